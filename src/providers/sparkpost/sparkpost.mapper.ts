import {
  formatAddress,
  MAILOVER_ID_KEY,
  type Address,
  type Attachment,
  type OutboundEmail,
} from '../../domain/email';
import type { FailureKind } from '../../domain/provider-error';
import type { FailureReading } from '../http/http-email.provider';
import { kindOfStatus, tryJson, type ProviderHttpResponse } from '../http/provider-http';

/** `POST /api/v1/transmissions` (docs/providers/sparkpost.md §1). */
export const SPARKPOST_TRANSMISSIONS_PATH = '/api/v1/transmissions';

/**
 * The path under a base URL: the default base is the bare host (`https://api.sparkpost.com`, or
 * `https://api.eu.sparkpost.com` for EU accounts), but SparkPost documents its base URLs with
 * `/api/v1`, so a base that already ends in it is taken as it is.
 */
export function sparkpostTransmissionsPath(baseUrl: string): string {
  return /\/api\/v1\/*$/.test(baseUrl) ? '/transmissions' : SPARKPOST_TRANSMISSIONS_PATH;
}

export interface SparkpostAddress {
  email: string;
  name?: string;
  /** The To header shown to this recipient; how Cc and Bcc copies are built. */
  header_to?: string;
}

export interface SparkpostRecipient {
  address: SparkpostAddress;
  tags?: string[];
}

export interface SparkpostFile {
  /** The filename, or for an inline image the Content-ID referenced as `cid:<name>`. */
  name: string;
  type: string;
  /** Base64 on one line. */
  data: string;
}

export interface SparkpostContent {
  from: { email: string; name?: string };
  subject: string;
  reply_to?: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: SparkpostFile[];
  inline_images?: SparkpostFile[];
}

/** The transmission body (docs/providers/sparkpost.md §2). */
export interface SparkpostTransmission {
  options: { perform_substitutions: boolean };
  metadata: Record<string, string>;
  recipients: SparkpostRecipient[];
  content: SparkpostContent;
}

interface SparkpostError {
  message?: string;
  description?: string;
  code?: string;
}

interface SparkpostAnswer {
  results?: { id?: unknown };
  errors?: SparkpostError[];
}

const file = (a: Attachment, name: string): SparkpostFile => ({
  name,
  type: a.contentType,
  data: a.content.toString('base64'),
});

/**
 * The message as one transmission. SparkPost sends one copy per recipient, so Cc and Bcc are
 * emulated the way its Node client does it (node-sparkpost `lib/transmissions.js`): every copy
 * carries the To list as `header_to`, Cc addresses also appear in a `CC` header, and the
 * names of Cc and Bcc recipients live only in that header. Tags exist only per recipient, so
 * every recipient carries them; metadata (with `mailover_id`) is transmission-wide.
 * Substitution is turned off: a gateway must deliver `{{...}}` in the content as written.
 */
export function toSparkpostTransmission(email: OutboundEmail): SparkpostTransmission {
  const toHeader = email.to.map(formatAddress).join(', ');
  const tags = email.tags.length ? { tags: [...email.tags] } : {};
  // One To recipient: SparkPost builds the To header from its address. More: each must see them all.
  const toAddress = (a: Address): SparkpostAddress => ({
    email: a.email,
    ...(a.name ? { name: a.name } : {}),
    ...(email.to.length > 1 ? { header_to: toHeader } : {}),
  });
  const copyAddress = (a: Address): SparkpostAddress => ({
    email: a.email,
    ...(toHeader ? { header_to: toHeader } : {}),
  });

  const headers: Record<string, string> = { ...email.headers };
  if (email.cc.length) headers.CC = email.cc.map(formatAddress).join(', ');
  const attachments = email.attachments.filter((a) => !a.contentId).map((a) => file(a, a.filename));
  const inline = email.attachments.filter((a) => a.contentId).map((a) => file(a, a.contentId!));

  return {
    options: { perform_substitutions: false },
    metadata: { ...email.metadata, [MAILOVER_ID_KEY]: email.id },
    recipients: [
      ...email.to.map((a) => ({ address: toAddress(a), ...tags })),
      ...[...email.cc, ...email.bcc].map((a) => ({ address: copyAddress(a), ...tags })),
    ],
    content: {
      from: { email: email.from.email, ...(email.from.name ? { name: email.from.name } : {}) },
      subject: email.subject,
      reply_to: email.replyTo ? formatAddress(email.replyTo) : undefined,
      text: email.text,
      html: email.html,
      headers: Object.keys(headers).length ? headers : undefined,
      attachments: attachments.length ? attachments : undefined,
      inline_images: inline.length ? inline : undefined,
    },
  };
}

/** `results.id`, the transmission id that events carry as `transmission_id` (docs/providers/sparkpost.md §3). */
export function readSparkpostMessageId(res: ProviderHttpResponse): string | undefined {
  const id = tryJson<SparkpostAnswer>(res.text)?.results?.id;
  if (typeof id === 'number') return String(id);
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/**
 * Reads `{"errors":[{message, description, code}]}` (docs/providers/sparkpost.md §4); `code` is a string.
 * Codes: https://support.sparkpost.com/docs/tech-resources/extended-error-codes
 */
export function readSparkpostFailure(res: ProviderHttpResponse): FailureReading {
  const body = tryJson<SparkpostAnswer>(res.text);
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  const code = errors.find((e) => e?.code)?.code;
  const text = errors
    .map((e) => [e?.message, e?.description].filter(Boolean).join(': '))
    .filter(Boolean)
    .join('; ');
  return {
    kind: sparkpostKind(res.status, code === undefined ? undefined : String(code)),
    message: text || res.text.replace(/\s+/g, ' ').trim().slice(0, 200) || `HTTP ${res.status}`,
    code: code === undefined ? undefined : String(code),
  };
}

function sparkpostKind(status: number, code: string | undefined): FailureKind {
  // 420 Exceed Sending Limit: nothing was sent; the hourly/daily window reopens, so retry later
  // (https://developers.sparkpost.com/api/transmissions/#header-sending-limits). The sandbox limit
  // (2103) is 5 messages for the account's lifetime: only adding a sending domain helps.
  if (status === 420) return code === '2103' ? 'provider' : 'retryable';
  switch (code) {
    case '1100': // 403 permission denied: the key lacks Transmissions: Read/Write
    case '1303': // 401 invalid customer id, unauthorized tenant
    case '1304': // 401 invalid user id, unauthorized user
      return 'provider';
    case '1502': // 400 server resources unavailable: "retry later"
    case '1900': // 503 message generation module not available
      return 'retryable';
    case '1902': // 400 message generation rejected (a suppressed recipient of a one-recipient send)
    case '7000': // 400 sending domain blacklisted
    case '7001': // 400 unconfigured or unverified sending domain
      return 'permanent';
    default: // another code, or none: the status decides below
      break;
  }
  // 401 invalid key and 403 plan or permissions: provider; 429 and 5xx: retryable; other 4xx
  // (400, 404, 413, 415, 422 with 1400/1603 and the like): permanent
  // (https://developers.sparkpost.com/api/#header-error-table).
  return kindOfStatus(status);
}
