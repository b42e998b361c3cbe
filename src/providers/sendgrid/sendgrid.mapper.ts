import { MAILOVER_ID_KEY, type Address, type OutboundEmail } from '../../domain/email';
import type { FailureKind } from '../../domain/provider-error';
import type { FailureReading } from '../http/http-email.provider';
import {
  kindOfStatus,
  tryJson,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
} from '../http/provider-http';

/** `{email, name}`; the name is left out when there is none. */
export interface SendgridAddress {
  email: string;
  name?: string;
}

export interface SendgridAttachment {
  content: string;
  filename: string;
  type: string;
  disposition: 'attachment' | 'inline';
  content_id?: string;
}

/** The v3 Mail Send body, as far as Mailover fills it (docs/providers/sendgrid.md §2). */
export interface SendgridMail {
  personalizations: Array<{
    to: SendgridAddress[];
    cc?: SendgridAddress[];
    bcc?: SendgridAddress[];
    custom_args: Record<string, string>;
  }>;
  from: SendgridAddress;
  reply_to?: SendgridAddress;
  subject: string;
  content: Array<{ type: 'text/plain' | 'text/html'; value: string }>;
  headers?: Record<string, string>;
  attachments?: SendgridAttachment[];
  categories?: string[];
}

const address = (a: Address): SendgridAddress =>
  a.name ? { email: a.email, name: a.name } : { email: a.email };

/**
 * The message as one personalization. SendGrid refuses an address that appears twice across
 * to, cc and bcc with a 400 ([ERR] personalizations errors, docs/providers/sendgrid.md §2), so later copies are
 * dropped (to wins over cc, cc over bcc): the recipient still gets exactly one copy.
 */
function personalization(email: OutboundEmail): SendgridMail['personalizations'][number] {
  const seen = new Set<string>();
  const unique = (list: Address[]) =>
    list.filter((a) => {
      const key = a.email.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const to = unique(email.to).map(address);
  const cc = unique(email.cc).map(address);
  const bcc = unique(email.bcc).map(address);
  return {
    to,
    // Absent rather than empty, the way the official helper sends them.
    ...(cc.length ? { cc } : {}),
    ...(bcc.length ? { bcc } : {}),
    // custom_args is the metadata channel: every key comes back on each event (docs/providers/sendgrid.md §2, §5).
    custom_args: { ...email.metadata, [MAILOVER_ID_KEY]: email.id },
  };
}

/** The JSON body of `POST /v3/mail/send`. */
export function sendgridMail(email: OutboundEmail): SendgridMail {
  const content: SendgridMail['content'] = [];
  // text/plain must come before text/html (docs/providers/sendgrid.md §2).
  if (email.text !== undefined) content.push({ type: 'text/plain', value: email.text });
  if (email.html !== undefined) content.push({ type: 'text/html', value: email.html });
  const mail: SendgridMail = {
    personalizations: [personalization(email)],
    from: address(email.from),
    subject: email.subject,
    content,
  };
  if (email.replyTo) mail.reply_to = address(email.replyTo);
  if (Object.keys(email.headers).length) mail.headers = { ...email.headers };
  if (email.attachments.length) {
    mail.attachments = email.attachments.map((a) => ({
      content: a.content.toString('base64'),
      filename: a.filename,
      type: a.contentType,
      disposition: a.contentId ? 'inline' : 'attachment',
      ...(a.contentId ? { content_id: a.contentId } : {}),
    }));
  }
  // Categories must be unique (docs/providers/sendgrid.md §2).
  if (email.tags.length) mail.categories = [...new Set(email.tags)];
  return mail;
}

/** SendGrid takes no idempotency key (docs/providers/sendgrid.md §2), so the send context adds nothing. */
export function sendgridRequest(email: OutboundEmail, apiKey: string): ProviderHttpRequest {
  return {
    method: 'POST',
    path: '/v3/mail/send',
    headers: {
      Authorization: `Bearer ${apiKey}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
    },
    body: JSON.stringify(sendgridMail(email)),
  };
}

/** `202 Accepted` with an empty body; the id is the `X-Message-Id` header (docs/providers/sendgrid.md §3). */
export function readSendgridMessageId(res: ProviderHttpResponse): string | undefined {
  const id = res.headers['x-message-id']?.trim();
  return id ? id : undefined;
}

interface SendgridErrorBody {
  errors?: Array<{ message?: unknown; field?: unknown }>;
}

/** `{"errors":[{"message","field","help"}]}` (docs/providers/sendgrid.md §4); every message is kept. */
export function readSendgridFailure(res: ProviderHttpResponse, now = Date.now()): FailureReading {
  const errors = tryJson<SendgridErrorBody>(res.text)?.errors;
  const texts = Array.isArray(errors)
    ? errors
        .filter((e) => typeof e?.message === 'string')
        .map((e) =>
          typeof e.field === 'string' && e.field ? `${e.message} (${e.field})` : String(e.message),
        )
    : [];
  const message = texts.length ? texts.join('; ') : res.text.trim() || `HTTP ${res.status}`;
  return {
    kind: sendgridKind(res.status),
    message,
    retryAfterMs: res.status === 429 ? sendgridRetryAfterMs(res.headers, now) : undefined,
  };
}

function sendgridKind(status: number): FailureKind {
  switch (status) {
    // The send path and method are fixed, so 404/405 mean a wrong base URL: nothing can be sent here.
    // https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors, docs/providers/sendgrid.md §4
    case 404:
    case 405:
      return 'provider';
    // 400 and 413 are the message's (validation, size): permanent. 401 (key) and 403 (missing
    // mail.send scope, or a from address that is not a verified Sender Identity on this account)
    // are the provider's. 429 and 5xx are transient (docs/providers/sendgrid.md §4).
    default:
      return kindOfStatus(status);
  }
}

/** `X-RateLimit-Reset` is Unix epoch seconds ([RL], docs/providers/sendgrid.md §4). */
export function sendgridRetryAfterMs(
  headers: Record<string, string>,
  now = Date.now(),
): number | undefined {
  const reset = Number(headers['x-ratelimit-reset']);
  if (!headers['x-ratelimit-reset'] || !Number.isFinite(reset) || reset * 1000 <= now)
    return undefined;
  return Math.ceil(reset * 1000 - now);
}
