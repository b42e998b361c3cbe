import { formatAddress, MAILOVER_ID_KEY, type OutboundEmail } from '../../domain/email';
import type { FailureKind } from '../../domain/provider-error';
import type { FailureReading } from '../http/http-email.provider';
import {
  kindOfStatus,
  tryJson,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
} from '../http/provider-http';

/** What a Mailgun send needs besides the message: the sending domain and the revealed API key. */
export interface MailgunTarget {
  domain: string;
  apiKey: string;
  /** The configured base URL; some SDKs configure it with `/v3` already on it. */
  baseUrl?: string;
}

/** `Authorization: Basic base64("api:<key>")` (docs/providers/mailgun.md §1, [INTRO] "Authentication"). */
export function mailgunAuthorization(apiKey: string): string {
  return `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;
}

/**
 * `POST /v3/{domain}/messages` on the US or the EU host alike (docs/providers/mailgun.md §1). A base URL that
 * already ends in `/v3` (the way mailgun-go spells its API base) does not get a second one.
 */
export function mailgunMessagesPath(domain: string, baseUrl = ''): string {
  const prefix = /\/v3\/?$/.test(baseUrl) ? '' : '/v3';
  return `${prefix}/${encodeURIComponent(domain)}/messages`;
}

/**
 * The message as Mailgun's multipart form (docs/providers/mailgun.md §2): repeated `to`/`cc`/`bcc` fields,
 * `h:` headers (Reply-To among them), `o:tag` per tag, `v:` per metadata entry plus
 * `v:mailover_id`, binary `attachment` parts, and `inline` parts whose filename is the content id
 * (Mailgun turns an inline part's filename into its Content-ID, so `cid:logo` needs filename `logo`).
 */
export function mailgunForm(email: OutboundEmail): FormData {
  const form = new FormData();
  form.append('from', formatAddress(email.from));
  for (const a of email.to) form.append('to', formatAddress(a));
  for (const a of email.cc) form.append('cc', formatAddress(a));
  for (const a of email.bcc) form.append('bcc', formatAddress(a));
  if (email.replyTo) form.append('h:Reply-To', formatAddress(email.replyTo));
  form.append('subject', email.subject);
  if (email.text !== undefined) form.append('text', email.text);
  if (email.html !== undefined) form.append('html', email.html);
  for (const [name, value] of Object.entries(email.headers)) form.append(`h:${name}`, value);
  for (const tag of email.tags) form.append('o:tag', tag);
  const metadata = { ...email.metadata, [MAILOVER_ID_KEY]: email.id };
  for (const [name, value] of Object.entries(metadata)) form.append(`v:${name}`, value);
  for (const a of email.attachments) {
    const part = new Blob([new Uint8Array(a.content)], { type: a.contentType });
    if (a.contentId) form.append('inline', part, a.contentId);
    else form.append('attachment', part, a.filename);
  }
  return form;
}

/** Mailgun takes no idempotency key (docs/providers/mailgun.md §2), so the send context adds nothing. */
export function mailgunRequest(email: OutboundEmail, target: MailgunTarget): ProviderHttpRequest {
  return {
    method: 'POST',
    path: mailgunMessagesPath(target.domain, target.baseUrl),
    // No Content-Type here: the multipart boundary is chosen when the form is serialised.
    headers: { Authorization: mailgunAuthorization(target.apiKey), Accept: 'application/json' },
    body: mailgunForm(email),
  };
}

/**
 * `200 {"id":"<...@domain>","message":"Queued. Thank you."}` (docs/providers/mailgun.md §3). The id is returned
 * as Mailgun gives it, an RFC 5322 Message-ID with its angle brackets; events carry it without them.
 */
export function readMailgunMessageId(res: ProviderHttpResponse): string | undefined {
  const id = tryJson<{ id?: unknown }>(res.text)?.id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** Mailgun's error bodies are `{"message": "..."}`, except 401, which is the bare text `Forbidden`. */
export function readMailgunFailure(res: ProviderHttpResponse, now = Date.now()): FailureReading {
  const body = tryJson<{ message?: unknown }>(res.text);
  const message =
    typeof body?.message === 'string' ? body.message : res.text.trim() || `HTTP ${res.status}`;
  return {
    kind: mailgunKind(res.status, message),
    message,
    retryAfterMs: res.status === 429 ? mailgunRetryAfterMs(res.headers, message, now) : undefined,
  };
}

/** A 400 about the sending domain or account rather than this message. */
const DOMAIN_REFUSED = /not allowed to send|unverified|sandbox subdomains|for test purposes only/i;

function mailgunKind(status: number, message: string): FailureKind {
  switch (status) {
    // 400 is a bad parameter (permanent for the message) unless it says the domain may not send
    // (unverified domain, sandbox domain): no message can go through this provider then.
    // https://documentation.mailgun.com/docs/mailgun/api-reference/#api-response-codes, docs/providers/mailgun.md §4
    case 400:
      return DOMAIN_REFUSED.test(message) ? 'provider' : 'permanent';
    // 402: "request failed even though the parameters were valid": the account (billing), not the message.
    case 402:
      return 'provider';
    // 404 on the messages endpoint is "Domain not found": a wrong domain or region in our config.
    case 404:
      return 'provider';
    // 401 Forbidden (key) and 403 (domain or IP not allowed) are the provider's; 413 is the
    // message's size; 429 and 5xx are transient (docs/providers/mailgun.md §4).
    default:
      return kindOfStatus(status);
  }
}

/**
 * When a 429 may be retried: `X-RateLimit-Reset` as Unix epoch seconds (mailgun-go `errors.go`,
 * docs/providers/mailgun.md §4), else the time in the message ("try again after <date>" or "... after 120 seconds").
 */
export function mailgunRetryAfterMs(
  headers: Record<string, string>,
  message: string,
  now = Date.now(),
): number | undefined {
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-reset'] && Number.isFinite(reset) && reset * 1000 > now) {
    return Math.ceil(reset * 1000 - now);
  }
  const after = /try again after\s+(.+?)\s*$/i.exec(message)?.[1];
  if (!after) return undefined;
  const seconds = /^(\d+(?:\.\d+)?)\s*seconds?\b/i.exec(after)?.[1];
  if (seconds) return Math.round(Number(seconds) * 1000);
  const at = Date.parse(after);
  return Number.isNaN(at) || at <= now ? undefined : at - now;
}
