import {
  formatAddress,
  MAILOVER_ID_KEY,
  type Address,
  type OutboundEmail,
} from '../../domain/email';
import type { FailureKind } from '../../domain/provider-error';
import type { FailureReading } from '../http/http-email.provider';
import { kindOfStatus, tryJson, type ProviderHttpResponse } from '../http/provider-http';

/** Single send (docs/providers/postmark.md §1). */
export const POSTMARK_SEND_PATH = '/email';

/** The metadata key that carries every tag when there is more than the one `Tag` Postmark takes. */
export const POSTMARK_TAGS_KEY = 'mailover_tags';

export interface PostmarkHeader {
  Name: string;
  Value: string;
}

export interface PostmarkAttachment {
  Name: string;
  /** Base64. */
  Content: string;
  ContentType: string;
  /** `cid:<content id>` for an inline part. */
  ContentID?: string;
}

/** One message object of `POST /email` (docs/providers/postmark.md §2), PascalCase as on the wire. */
export interface PostmarkMessage {
  From: string;
  To?: string;
  Cc?: string;
  Bcc?: string;
  ReplyTo?: string;
  Subject: string;
  TextBody?: string;
  HtmlBody?: string;
  Headers?: PostmarkHeader[];
  Tag?: string;
  Metadata: Record<string, string>;
  MessageStream?: string;
  Attachments?: PostmarkAttachment[];
}

export interface PostmarkMessageOptions {
  /** The stream id; Postmark uses `outbound` when it is absent. */
  messageStream?: string;
}

/** Postmark's answer body, success and error alike (docs/providers/postmark.md §3, §4). */
interface PostmarkAnswer {
  ErrorCode?: number;
  Message?: string;
  MessageID?: string;
}

/** To, Cc and Bcc are one comma-separated string each, not arrays (docs/providers/postmark.md §2). */
function addressList(addresses: Address[]): string | undefined {
  return addresses.length ? addresses.map(formatAddress).join(', ') : undefined;
}

/**
 * The message as Postmark's `/email` body. Postmark takes one `Tag` per message: the first tag
 * goes there, and when there are more, all of them also travel in `Metadata.mailover_tags`.
 */
export function toPostmarkMessage(
  email: OutboundEmail,
  options: PostmarkMessageOptions = {},
): PostmarkMessage {
  const metadata: Record<string, string> = { ...email.metadata };
  if (email.tags.length > 1) metadata[POSTMARK_TAGS_KEY] = email.tags.join(',');
  metadata[MAILOVER_ID_KEY] = email.id;

  const headers = Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value }));
  const attachments = email.attachments.map((a): PostmarkAttachment => ({
    Name: a.filename,
    Content: a.content.toString('base64'),
    ContentType: a.contentType,
    ...(a.contentId ? { ContentID: `cid:${a.contentId}` } : {}),
  }));

  return {
    From: formatAddress(email.from),
    To: addressList(email.to),
    Cc: addressList(email.cc),
    Bcc: addressList(email.bcc),
    ReplyTo: email.replyTo ? formatAddress(email.replyTo) : undefined,
    Subject: email.subject,
    TextBody: email.text,
    HtmlBody: email.html,
    Headers: headers.length ? headers : undefined,
    Tag: email.tags[0],
    Metadata: metadata,
    MessageStream: options.messageStream,
    Attachments: attachments.length ? attachments : undefined,
  };
}

/** `MessageID` of the 200 answer (docs/providers/postmark.md §3). */
export function readPostmarkMessageId(res: ProviderHttpResponse): string | undefined {
  const id = tryJson<PostmarkAnswer>(res.text)?.MessageID;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/**
 * 422 `ErrorCode`s that mean the account or server cannot send for anyone
 * (https://postmarkapp.com/developer/api/overview#error-codes, docs/providers/postmark.md §4):
 * 10 bad or missing token, 405 not allowed to send (out of credits),
 * 412 account pending approval, 413 account may not send.
 */
const PROVIDER_ERROR_CODES = new Set([10, 405, 412, 413]);

/** Reads a failed answer: `{ErrorCode, Message}` (docs/providers/postmark.md §4). */
export function readPostmarkFailure(res: ProviderHttpResponse): FailureReading {
  const body = tryJson<PostmarkAnswer>(res.text);
  if (!body || typeof body !== 'object') {
    return { kind: nonJsonKind(res.status), message: snippet(res.text) || `HTTP ${res.status}` };
  }
  const code = typeof body.ErrorCode === 'number' ? body.ErrorCode : undefined;
  return {
    kind: postmarkKind(res.status, code),
    message: body.Message || `HTTP ${res.status}`,
    code: code === undefined ? undefined : String(code),
  };
}

function postmarkKind(status: number, errorCode: number | undefined): FailureKind {
  // 422 is an API error: branch on ErrorCode (https://postmarkapp.com/developer/api/overview#error-codes).
  // 406 inactive recipient, 300 invalid request, 400/401 unverified sender, 411 forbidden attachment: permanent.
  if (status === 422) {
    return errorCode !== undefined && PROVIDER_ERROR_CODES.has(errorCode)
      ? 'provider'
      : 'permanent';
  }
  // 401 missing or wrong token, 413 payload too large, 429 rate limit, 500/503
  // (https://postmarkapp.com/developer/api/overview#response-codes): the default reading fits.
  return kindOfStatus(status);
}

/**
 * A 403 with an HTML body comes from Postmark's edge (a WAF or a blocked IP), not the API;
 * docs/providers/postmark.md §4 says to treat a non-JSON error body as unknown or transient.
 */
function nonJsonKind(status: number): FailureKind {
  return status === 403 ? 'retryable' : kindOfStatus(status);
}

function snippet(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
