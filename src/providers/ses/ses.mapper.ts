import MailComposer from 'nodemailer/lib/mail-composer';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import {
  formatAddress,
  MAILOVER_ID_KEY,
  type Address,
  type OutboundEmail,
} from '../../domain/email';
import type { FailureKind } from '../../domain/provider-error';
import type { FailureReading } from '../http/http-email.provider';
import { kindOfStatus, tryJson, type ProviderHttpResponse } from '../http/provider-http';
import { toMailOptions } from '../mime';

/** `SendEmail` (docs/providers/ses.md §1). */
export const SES_SEND_PATH = '/v2/email/outbound-emails';

/** The tag that prefixes each Mailover tag among `EmailTags` (`tag_<tag>` = `true`). */
export const SES_TAG_PREFIX = 'tag_';

export interface SesMessageTag {
  Name: string;
  Value: string;
}

interface SesText {
  Data: string;
  Charset: 'UTF-8';
}

export interface SesSimpleContent {
  Subject: SesText;
  Body: { Text?: SesText; Html?: SesText };
}

/** `SendEmailRequest` (docs/providers/ses.md §2), as much of it as Mailover uses. */
export interface SesSendEmailRequest {
  FromEmailAddress: string;
  Destination: { ToAddresses: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ReplyToAddresses?: string[];
  Content: { Simple: SesSimpleContent } | { Raw: { Data: string } };
  EmailTags: SesMessageTag[];
  ConfigurationSetName?: string;
}

export interface SesRequestOptions {
  configurationSet?: string;
  /** The complete MIME message, required when `sesNeedsRaw(email)`. */
  rawMime?: Buffer;
}

/**
 * Attachments and custom headers go as raw MIME (built by nodemailer, like the SMTP adapter's
 * messages); anything else as `Simple` content. Raw has no 15-header cap and needs no
 * per-field rules for names, content ids and dispositions.
 */
export function sesNeedsRaw(email: OutboundEmail): boolean {
  return email.attachments.length > 0 || Object.keys(email.headers).length > 0;
}

/**
 * The RFC 5322 message without a Bcc header (Bcc recipients travel in `Destination` only).
 * Built asynchronously because nodemailer streams its parts.
 */
export function renderSesMime(email: OutboundEmail): Promise<Buffer> {
  return new MailComposer(toMailOptions(email)).compile().build();
}

/**
 * SES wants non-ASCII display names RFC 2047-encoded in its address fields (docs/providers/ses.md §2).
 */
export function sesAddress(address: Address): string {
  if (!address.name || /^[\x20-\x7e]*$/.test(address.name)) return formatAddress(address);
  return `${encodeWord(address.name, 'B')} <${address.email}>`;
}

/**
 * EmailTags names and values may hold only ASCII letters, digits, `_` and `-`, at most 256
 * characters (docs/providers/ses.md §2): anything else becomes `_`, and an empty text becomes `_`.
 */
export function sesTagText(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
}

/**
 * Metadata as `Name = Value`, each tag as `tag_<tag> = true`, then `mailover_id` (which wins).
 * SES tags are the only per-message metadata and come back in events as `mail.tags`.
 */
export function toSesTags(email: OutboundEmail): SesMessageTag[] {
  const tags = new Map<string, string>();
  for (const [name, value] of Object.entries(email.metadata))
    tags.set(sesTagText(name), sesTagText(value));
  for (const tag of email.tags) tags.set(sesTagText(SES_TAG_PREFIX + tag), 'true');
  tags.delete(MAILOVER_ID_KEY);
  tags.set(MAILOVER_ID_KEY, sesTagText(email.id));
  return [...tags].map(([Name, Value]) => ({ Name, Value }));
}

const utf8 = (Data: string): SesText => ({ Data, Charset: 'UTF-8' });
const list = (addresses: Address[]) => (addresses.length ? addresses.map(sesAddress) : undefined);

/** The `SendEmail` body: `Raw` when `rawMime` is given, otherwise `Simple`. */
export function toSesSendEmail(
  email: OutboundEmail,
  options: SesRequestOptions = {},
): SesSendEmailRequest {
  if (sesNeedsRaw(email) && !options.rawMime) {
    throw new Error('a message with attachments or headers needs its raw MIME');
  }
  const envelope = {
    FromEmailAddress: sesAddress(email.from),
    Destination: {
      ToAddresses: email.to.map(sesAddress),
      CcAddresses: list(email.cc),
      BccAddresses: list(email.bcc),
    },
  };
  const tail = { EmailTags: toSesTags(email), ConfigurationSetName: options.configurationSet };
  if (options.rawMime) {
    // Reply-To, subject and bodies are inside the MIME message.
    return { ...envelope, Content: { Raw: { Data: options.rawMime.toString('base64') } }, ...tail };
  }
  return {
    ...envelope,
    ReplyToAddresses: email.replyTo ? [sesAddress(email.replyTo)] : undefined,
    Content: {
      Simple: {
        Subject: utf8(email.subject),
        Body: {
          ...(email.text !== undefined ? { Text: utf8(email.text) } : {}),
          ...(email.html !== undefined ? { Html: utf8(email.html) } : {}),
        },
      },
    },
    ...tail,
  };
}

/** `MessageId` of the 200 answer (docs/providers/ses.md §3). */
export function readSesMessageId(res: ProviderHttpResponse): string | undefined {
  const id = tryJson<{ MessageId?: unknown }>(res.text)?.MessageId;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

interface SesErrorBody {
  message?: unknown;
  Message?: unknown;
  __type?: unknown;
  code?: unknown;
}

/**
 * The error code from `x-amzn-ErrorType`, else the body's `__type` or `code`, normalised the way
 * the SDKs do: the part before the first `:`, then the part after the last `#` (docs/providers/ses.md §4,
 * botocore `parsers.py`).
 */
export function sesErrorCode(res: ProviderHttpResponse, body?: SesErrorBody): string | undefined {
  const raw = res.headers['x-amzn-errortype'] ?? body?.__type ?? body?.code;
  if (typeof raw !== 'string' || !raw) return undefined;
  const code = raw.split(':')[0].split('#').pop()?.trim();
  return code || undefined;
}

/**
 * Throttling: retried with backoff by the AWS SDKs' standard retry strategy, even when it
 * arrives as HTTP 400 (`LimitExceededException`) (docs/providers/ses.md §4).
 */
const THROTTLING = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
]);

/**
 * This account, key or configuration cannot send for anyone: bad or expired credentials, a bad
 * signature, a clock too far off, a suspended or paused account (docs/providers/ses.md §4, common AWS errors),
 * and `NotFoundException`, which for SendEmail names a missing configuration set or template.
 */
const PROVIDER_LEVEL = new Set([
  'AccountSuspendedException',
  'SendingPausedException',
  'NotFoundException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
  'MissingAuthenticationToken',
  'AccessDeniedException',
  'AccessDenied',
  'ExpiredTokenException',
  'ExpiredToken',
  'RequestExpired',
]);

/**
 * Rejected for this message whatever the account does: bad content, an unverified sender or
 * (in the sandbox) recipient, an unverified MAIL FROM domain, a validation error (docs/providers/ses.md §4).
 */
const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
  'SerializationException',
  'ValidationException',
]);

const RETRYABLE = new Set([
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/** Reads a rest-json error: code from the header or body, text from `message` (docs/providers/ses.md §4). */
export function readSesFailure(res: ProviderHttpResponse): FailureReading {
  const body = tryJson<SesErrorBody>(res.text);
  const json = body && typeof body === 'object' ? body : undefined;
  const code = sesErrorCode(res, json);
  const text = json?.message ?? json?.Message;
  return {
    kind: sesKind(res.status, code),
    message:
      (typeof text === 'string' && text) ||
      res.text.replace(/\s+/g, ' ').trim().slice(0, 200) ||
      code ||
      `HTTP ${res.status}`,
    code,
  };
}

// Error codes and statuses: the SESv2 service model's SendEmail errors and their httpStatusCode
// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors),
// plus the common errors of every AWS API
// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/CommonErrors.html).
function sesKind(status: number, code: string | undefined): FailureKind {
  if (code && THROTTLING.has(code)) return 'retryable';
  if (code && PROVIDER_LEVEL.has(code)) return 'provider';
  if (code && PERMANENT.has(code)) return 'permanent';
  if (code && RETRYABLE.has(code)) return 'retryable';
  return kindOfStatus(status);
}
