import { formatAddress, MAILOVER_ID_KEY, type OutboundEmail } from '../../domain/email';
import type { SendContext } from '../../domain/provider';
import type { FailureKind } from '../../domain/provider-error';
import type { FailureReading } from '../http/http-email.provider';
import {
  kindOfStatus,
  retryAfterMs,
  tryJson,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
} from '../http/provider-http';

export interface ResendAttachment {
  filename: string;
  content: string;
  content_type: string;
  content_id?: string;
}

/** The `POST /emails` body, snake_case on the wire (docs/providers/resend.md §2). */
export interface ResendEmail {
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  reply_to?: string[];
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: ResendAttachment[];
  tags: Array<{ name: string; value: string }>;
}

const TAG_MAX = 256;

/**
 * A tag name or value within Resend's charset: ASCII letters, digits, `_` and `-`, at most 256
 * characters (docs/providers/resend.md §2). Anything else becomes `_`, since Resend refuses the whole send
 * otherwise; the exact values still reach the other providers' metadata channels unchanged.
 */
export function resendTagText(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, TAG_MAX);
}

/**
 * Tags are Resend's only metadata channel, `{name, value}` pairs that webhooks return as an
 * object (docs/providers/resend.md §2, §5). A plain tag `t` becomes `{name: t, value: "true"}`; metadata entries
 * follow and replace a tag of the same name; `mailover_id` comes last and always wins.
 */
export function resendTags(email: OutboundEmail): ResendEmail['tags'] {
  const tags = new Map<string, string>();
  for (const tag of email.tags) tags.set(resendTagText(tag), 'true');
  for (const [name, value] of Object.entries(email.metadata))
    tags.set(resendTagText(name), resendTagText(value));
  tags.set(MAILOVER_ID_KEY, resendTagText(email.id));
  tags.delete('');
  return [...tags].map(([name, value]) => ({ name, value }));
}

/** The JSON body of `POST /emails`. */
export function resendEmail(email: OutboundEmail): ResendEmail {
  const body: ResendEmail = {
    from: formatAddress(email.from),
    to: email.to.map(formatAddress),
    subject: email.subject,
    tags: resendTags(email),
  };
  if (email.cc.length) body.cc = email.cc.map(formatAddress);
  if (email.bcc.length) body.bcc = email.bcc.map(formatAddress);
  if (email.replyTo) body.reply_to = [formatAddress(email.replyTo)];
  if (email.text !== undefined) body.text = email.text;
  if (email.html !== undefined) body.html = email.html;
  if (Object.keys(email.headers).length) body.headers = { ...email.headers };
  if (email.attachments.length) {
    body.attachments = email.attachments.map((a) => ({
      filename: a.filename,
      content: a.content.toString('base64'),
      content_type: a.contentType,
      // An attachment with content_id is an inline part, referenced as cid:<content_id>.
      ...(a.contentId ? { content_id: a.contentId } : {}),
    }));
  }
  return body;
}

/**
 * `POST /emails` with `Authorization: Bearer re_...`, and the `Idempotency-Key` header when the
 * send has one: Resend then answers a retry of the same payload within 24 h with the original
 * response instead of sending again (docs/providers/resend.md §1, §3).
 */
export function resendRequest(
  email: OutboundEmail,
  apiKey: string,
  ctx: SendContext = {},
): ProviderHttpRequest {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${apiKey}`,
    'Content-Type': 'application/json',
    Accept: 'application/json',
  };
  if (ctx.idempotencyKey) headers['Idempotency-Key'] = ctx.idempotencyKey;
  return { method: 'POST', path: '/emails', headers, body: JSON.stringify(resendEmail(email)) };
}

/** `200 {"id": "<uuid>"}` (docs/providers/resend.md §3). */
export function readResendMessageId(res: ProviderHttpResponse): string | undefined {
  const id = tryJson<{ id?: unknown }>(res.text)?.id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/**
 * How each error `name` reads, where it differs from its status ([RUST] `src/error.rs`,
 * https://resend.com/docs/api-reference/errors, docs/providers/resend.md §4).
 */
const KIND_BY_NAME: Record<string, FailureKind> = {
  // 409: the same key is still in flight: ask again later.
  concurrent_idempotent_requests: 'retryable',
  // 409: the same key with another payload: this message will never pass with this key.
  invalid_idempotent_request: 'permanent',
  // 409: a resource being changed elsewhere; transient.
  resource_locked: 'retryable',
  // 429: daily or monthly sending quota of the account: this provider is out until the window
  // resets, whichever message it is, so skip it (a rate limit, below, is merely transient).
  daily_quota_exceeded: 'provider',
  monthly_quota_exceeded: 'provider',
  rate_limit_exceeded: 'retryable',
  // 401 and 403: the key (missing, invalid, restricted, suspended), its permissions, the
  // account's quota, or a from domain this account has not verified: the provider's, not the message's.
  missing_api_key: 'provider',
  restricted_api_key: 'provider',
  invalid_api_key: 'provider',
  suspended_api_key: 'provider',
  invalid_permission: 'provider',
  email_above_quota: 'provider',
  // 404 and 405: the send endpoint is fixed, so these mean a wrong base URL.
  not_found: 'provider',
  method_not_allowed: 'provider',
  // 451: Resend found something wrong with this payload.
  security_error: 'permanent',
};

interface ResendErrorBody {
  statusCode?: unknown;
  message?: unknown;
  name?: unknown;
}

/** `{"statusCode", "message", "name"}` (docs/providers/resend.md §4); classified by `name`, else by status. */
export function readResendFailure(res: ProviderHttpResponse): FailureReading {
  const body = tryJson<ResendErrorBody>(res.text);
  const name = typeof body?.name === 'string' ? body.name : undefined;
  const message =
    typeof body?.message === 'string' ? body.message : res.text.trim() || `HTTP ${res.status}`;
  return {
    kind: resendKind(res.status, name),
    message,
    code: name,
    retryAfterMs: res.status === 429 ? resendRetryAfterMs(res.headers) : undefined,
  };
}

function resendKind(status: number, name: string | undefined): FailureKind {
  if (name && name in KIND_BY_NAME) return KIND_BY_NAME[name];
  // validation_error is 400 or 422 for the message's fields (permanent) but 403 for an unverified
  // domain or the test-mode recipient restriction: the account's, so the provider's (docs/providers/resend.md §4).
  // Every other 400/422 name (invalid_idempotency_key, missing_required_field, invalid_from_address,
  // invalid_attachment, ...) is the message's; 5xx is transient.
  return kindOfStatus(status);
}

/**
 * `retry-after` in seconds, else `ratelimit-reset`, which is also seconds from now, not an epoch
 * (https://resend.com/docs/api-reference/rate-limit, docs/providers/resend.md §4).
 */
export function resendRetryAfterMs(headers: Record<string, string>): number | undefined {
  const after = retryAfterMs(headers);
  if (after !== undefined && after > 0) return after;
  const reset = Number(headers['ratelimit-reset']);
  return headers['ratelimit-reset'] && Number.isFinite(reset) && reset > 0
    ? Math.round(reset * 1000)
    : undefined;
}
