import {
  formatAddress,
  MAILOVER_ID_KEY,
  type Address,
  type Attachment,
  type OutboundEmail,
} from '../../domain/email';
import type { FailureKind } from '../../domain/provider-error';
import type { FailureReading } from '../http/http-email.provider';
import { kindOfStatus, tryJson } from '../http/provider-http';

/** `POST /messages/send`, relative to the base URL `https://mandrillapp.com/api/1.0`. */
export const MANDRILL_SEND_PATH = '/messages/send';

export interface MandrillRecipient {
  email: string;
  name?: string;
  type: 'to' | 'cc' | 'bcc';
}

export interface MandrillFile {
  type: string;
  name: string;
  /** base64 */
  content: string;
}

export interface MandrillMessage {
  from_email: string;
  from_name?: string;
  to: MandrillRecipient[];
  headers?: Record<string, string>;
  subject: string;
  html?: string;
  text?: string;
  preserve_recipients: boolean;
  tags: string[];
  metadata: Record<string, string>;
  attachments?: MandrillFile[];
  images?: MandrillFile[];
}

/** The body of `/messages/send` without the `key`, which the adapter adds. */
export interface MandrillSendBody {
  message: MandrillMessage;
  async: false;
}

/** One element of the 200 answer: one per recipient. */
export interface MandrillRecipientResult {
  email?: string;
  status?: 'sent' | 'queued' | 'scheduled' | 'rejected' | 'invalid';
  _id?: string;
  reject_reason?: string | null;
}

/** `{"status":"error","code":-1,"name":"Invalid_Key","message":"Invalid API key"}` */
export interface MandrillErrorBody {
  status?: string;
  code?: number;
  name?: string;
  message?: string;
}

/**
 * The message on Mandrill's wire format
 * (https://mailchimp.com/developer/transactional/api/messages/send-new-message/).
 * Every recipient kind goes in the one `to` array; `preserve_recipients` keeps the To/Cc
 * headers as written instead of one copy per recipient. Inline parts go in `images`, whose
 * `name` is the Content-ID; Mandrill takes only `image/*` there, so an inline part of another
 * type travels as a plain attachment (its `cid:` reference cannot be kept).
 */
export function toMandrillSend(email: OutboundEmail): MandrillSendBody {
  const headers: Record<string, string> = { ...email.headers };
  if (email.replyTo) headers['Reply-To'] = formatAddress(email.replyTo);
  const images = email.attachments.filter(isInlineImage);
  const attachments = email.attachments.filter((a) => !isInlineImage(a));

  const message: MandrillMessage = {
    from_email: email.from.email,
    ...(email.from.name ? { from_name: email.from.name } : {}),
    to: [
      ...email.to.map((a) => recipient(a, 'to')),
      ...email.cc.map((a) => recipient(a, 'cc')),
      ...email.bcc.map((a) => recipient(a, 'bcc')),
    ],
    ...(Object.keys(headers).length ? { headers } : {}),
    subject: email.subject,
    ...(email.html !== undefined ? { html: email.html } : {}),
    ...(email.text !== undefined ? { text: email.text } : {}),
    preserve_recipients: true,
    tags: [...email.tags],
    metadata: { ...email.metadata, [MAILOVER_ID_KEY]: email.id },
    ...(attachments.length
      ? { attachments: attachments.map((a) => file(a.contentType, a.filename, a.content)) }
      : {}),
    ...(images.length
      ? { images: images.map((a) => file(a.contentType, a.contentId as string, a.content)) }
      : {}),
  };
  return { message, async: false };
}

/** What a 200 answer says: the message id, or that Mandrill refused every recipient. */
export type MandrillSendResult = { messageId: string } | { failure: FailureReading };

const ACCEPTED = new Set(['sent', 'queued', 'scheduled']);

/**
 * Reads the 200 array. Each recipient has its own `_id`; when at least one recipient was
 * taken the message was accepted, and the first accepted `_id` is its id. When every recipient
 * is `rejected` or `invalid` (suppressed, unsigned sender, bad address) nothing will be sent:
 * permanent. Undefined when the answer is not such an array.
 */
export function readMandrillResult(text: string): MandrillSendResult | undefined {
  const results = tryJson<unknown>(text);
  if (!Array.isArray(results) || results.length === 0) return undefined;
  const rows = results as MandrillRecipientResult[];
  const accepted = rows.find(
    (r) => r && ACCEPTED.has(String(r.status)) && typeof r._id === 'string' && r._id,
  );
  if (accepted) return { messageId: accepted._id as string };
  if (rows.every((r) => r && (r.status === 'rejected' || r.status === 'invalid'))) {
    const reasons = rows.map(
      (r) => `${r.email ?? '?'} ${r.status}${r.reject_reason ? ` (${r.reject_reason})` : ''}`,
    );
    const first = rows[0];
    return {
      failure: {
        kind: 'permanent',
        message: `every recipient was refused: ${reasons.join(', ')}`,
        code: first.reject_reason ?? first.status,
      },
    };
  }
  return undefined;
}

/**
 * Mandrill's error `name` decides, since it answered 500 for every error before 2023 (and
 * 401/400/404/429 since). https://mailchimp.com/developer/transactional/api/ and the legacy
 * client's error map (mandrill-api-ruby `lib/mandrill.rb`).
 */
const KIND_BY_NAME: Record<string, FailureKind> = {
  // The account, not the message: use another provider.
  Invalid_Key: 'provider',
  PaymentRequired: 'provider',
  Unknown_Subaccount: 'provider',
  // The request itself.
  ValidationError: 'permanent',
  Unknown_Template: 'permanent',
  Invalid_Template: 'permanent',
  Invalid_Tag_Name: 'permanent',
  Unknown_Sender: 'permanent',
  Unknown_Url: 'permanent',
  Unknown_Message: 'permanent',
  Invalid_Reject: 'permanent',
  Unknown_Webhook: 'permanent',
  Unknown_InboundDomain: 'permanent',
  Unknown_Export: 'permanent',
  // Maintenance, overload, anything unexpected on their side.
  ServiceUnavailable: 'retryable',
  GeneralError: 'retryable',
};

/** Classifies a non-2xx answer by the error `name`, and by the HTTP status when it has none we know. */
export function readMandrillFailure(status: number, text: string): FailureReading {
  const body = tryJson<MandrillErrorBody>(text);
  const name =
    body && typeof body === 'object' && typeof body.name === 'string' ? body.name : undefined;
  const message =
    body && typeof body === 'object' && typeof body.message === 'string' && body.message
      ? body.message
      : text.trim().slice(0, 500) || `HTTP ${status}`;
  const kind = (name && KIND_BY_NAME[name]) || kindOfStatus(status);
  return { kind, message, code: name };
}

function recipient(address: Address, type: MandrillRecipient['type']): MandrillRecipient {
  return { email: address.email, ...(address.name ? { name: address.name } : {}), type };
}

function isInlineImage(a: Attachment): boolean {
  return Boolean(a.contentId) && a.contentType.toLowerCase().startsWith('image/');
}

function file(type: string, name: string, content: Buffer): MandrillFile {
  return { type, name, content: content.toString('base64') };
}
