import { CONTROL_CHARS, HEADER_UNSAFE_CHARS, parseAddress } from './address';
import type { Address, Attachment, OutboundEmail } from './email';
import { InvalidInputError, type FieldProblem } from './errors';
import { parseSendAt } from './send-at';

/** The configurable limits a send request is held to. */
export interface SendLimits {
  maxRecipients: number;
  maxAttachments: number;
  maxAttachmentBytes: number;
  maxSubjectLength: number;
  maxHeaders: number;
}

/**
 * The limits plus what routing allows, so that one answer names every bad field: provider ids
 * that exist and how far ahead `sendAt` may be. Without them those two are not checked here.
 */
export interface SendRules extends SendLimits {
  providerIds?: readonly string[];
  maxScheduleHorizonMs?: number;
  now?: Date;
}

/** A validated send request: the message (without its id) and how to route it. */
export interface SendRequest {
  message: Omit<OutboundEmail, 'id'>;
  sendAt: Date | null;
  providers: string[] | null;
}

/** Headers the message model owns; a custom header cannot set them. */
const RESERVED_HEADERS =
  /^(from|to|cc|bcc|reply-to|subject|date|message-id|mime-version|content-.*|sender|x-mailover-.*)$/i;
/** Headers that servers on the way add to record a message's path and authentication: never forged by a sender. */
const TRACE_HEADERS =
  /^(authentication-results|arc-.*|received.*|resent-.*|delivered-to|dkim-.*|return-path|errors-to)$/i;
const HEADER_NAME = /^[!-9;-~]+$/; // RFC 5322 field-name: printable ASCII except colon
const CONTENT_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i;
const KNOWN_FIELDS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'html',
  'text',
  'headers',
  'attachments',
  'tags',
  'metadata',
  'sendAt',
  'providers',
]);
const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 128;
const MAX_METADATA = 50;
const MAX_METADATA_VALUE = 1000;
/** Problems reported per list (to, attachments, headers, ...) and in all, so the answer stays small. */
export const MAX_PROBLEMS_PER_LIST = 5;
export const MAX_PROBLEMS = 50;

/**
 * Validates and normalises the body of `POST /v1/emails`. Every problem is collected with the
 * path of its field, so one answer names everything that is wrong.
 */
export function parseSendRequest(body: unknown, limits: SendRules): SendRequest {
  const problems: FieldProblem[] = [];
  let dropped = 0;
  const bad = (field: string, detail: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ field, detail });
    else dropped++;
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError([{ field: '', detail: 'the body must be a JSON object' }]);
  }
  const b = body as Record<string, unknown>;
  const unknownFields = capped('', bad);
  for (const key of Object.keys(b))
    if (!KNOWN_FIELDS.has(key)) unknownFields(key, 'is not a known field');
  unknownFields.done();

  const from =
    b.from === undefined ? (bad('from', 'is required'), undefined) : one(b.from, 'from', bad);
  const to = list(b.to, 'to', bad, true);
  const cc = list(b.cc, 'cc', bad, false);
  const bcc = list(b.bcc, 'bcc', bad, false);
  const replyTo =
    b.replyTo === undefined || b.replyTo === null ? undefined : one(b.replyTo, 'replyTo', bad);
  // Counted as given, so that a huge list is named for its size and not only for its items.
  const recipients = [b.to, b.cc, b.bcc].reduce<number>(
    (n, v) => n + (v === undefined || v === null ? 0 : Array.isArray(v) ? v.length : 1),
    0,
  );
  if (recipients > limits.maxRecipients)
    bad(
      'to',
      `to, cc and bcc together must have at most ${limits.maxRecipients} recipients (has ${recipients})`,
    );

  let subject = '';
  if (typeof b.subject !== 'string')
    bad('subject', b.subject === undefined ? 'is required' : 'must be a string');
  else if (!b.subject.trim()) bad('subject', 'must not be empty');
  else if (HEADER_UNSAFE_CHARS.test(b.subject))
    bad('subject', 'must not contain control characters (CR, LF, NUL, C1, ...) or bidi overrides');
  else if (b.subject.length > limits.maxSubjectLength)
    bad('subject', `must be at most ${limits.maxSubjectLength} characters`);
  else subject = b.subject;

  const html = optionalString(b.html, 'html', bad);
  const text = optionalString(b.text, 'text', bad);
  if (html === undefined && text === undefined && b.html === undefined && b.text === undefined)
    bad('html', 'html or text (or both) is required');

  const headers = parseHeaders(b.headers, limits, bad);
  const attachments = parseAttachments(b.attachments, limits, bad);
  const tags = parseTags(b.tags, bad);
  const metadata = parseMetadata(b.metadata, bad);

  let sendAt: Date | null = null;
  if (b.sendAt !== undefined && b.sendAt !== null) {
    if (typeof b.sendAt !== 'string') bad('sendAt', 'must be a string');
    else {
      const parsed = parseSendAt(b.sendAt);
      if (parsed) {
        sendAt = parsed;
        const now = limits.now ?? new Date();
        if (
          limits.maxScheduleHorizonMs !== undefined &&
          parsed.getTime() - now.getTime() > limits.maxScheduleHorizonMs
        )
          bad('sendAt', horizonProblem(limits.maxScheduleHorizonMs));
      } else
        bad(
          'sendAt',
          'must be a date that exists, as ISO 8601 with an offset (2030-01-15T09:30:00Z), "YYYY-MM-DD HH:MM:SS" (UTC) or RFC 2822',
        );
    }
  }

  let providers: string[] | null = null;
  if (b.providers !== undefined && b.providers !== null) {
    if (
      !Array.isArray(b.providers) ||
      b.providers.length === 0 ||
      !b.providers.every((p) => typeof p === 'string')
    ) {
      bad('providers', 'must be a non-empty list of provider ids');
    } else {
      providers = [...new Set(b.providers as string[])];
      if (limits.providerIds) {
        const problem = unknownProvidersProblem(providers, limits.providerIds);
        if (problem) bad('providers', problem);
      }
    }
  }

  if (dropped) problems.push({ field: '', detail: `and ${dropped} more problems` });
  if (problems.length) throw new InvalidInputError(problems);
  return {
    message: {
      from: from!,
      to,
      cc,
      bcc,
      replyTo,
      subject,
      html,
      text,
      headers,
      attachments,
      tags,
      metadata,
    },
    sendAt,
    providers,
  };
}

type Bad = (field: string, detail: string) => void;

/** The problem with provider ids that are not configured, or undefined when all are. */
export function unknownProvidersProblem(
  ids: readonly string[],
  known: readonly string[],
): string | undefined {
  const unknown = ids.filter((id) => !known.includes(id));
  return unknown.length
    ? `unknown provider id(s): ${unknown.slice(0, 10).join(', ')}; known: ${known.join(', ')}`
    : undefined;
}

export function horizonProblem(maxScheduleHorizonMs: number): string {
  return `must be at most ${Math.round(maxScheduleHorizonMs / 86_400_000)} days ahead`;
}

/**
 * A Bad for the items of one list: reports the first MAX_PROBLEMS_PER_LIST, then (on done) how
 * many more there were, so a list of a million bad items answers a small document.
 */
function capped(field: string, bad: Bad): Bad & { done(): void } {
  let count = 0;
  const report = ((f: string, detail: string) => {
    if (++count <= MAX_PROBLEMS_PER_LIST) bad(f, detail);
  }) as Bad & { done(): void };
  report.done = () => {
    if (count > MAX_PROBLEMS_PER_LIST)
      bad(field, `and ${count - MAX_PROBLEMS_PER_LIST} more problems in this list`);
  };
  return report;
}

function one(value: unknown, field: string, bad: Bad): Address | undefined {
  const parsed = parseAddress(value);
  if (typeof parsed === 'string') {
    bad(field, parsed);
    return undefined;
  }
  return parsed;
}

function list(value: unknown, field: string, bad: Bad, required: boolean): Address[] {
  if (value === undefined || value === null) {
    if (required) bad(field, 'is required');
    return [];
  }
  const items = Array.isArray(value) ? value : [value];
  if (required && items.length === 0) bad(field, 'must have at least one address');
  const out: Address[] = [];
  const itemBad = capped(field, bad);
  items.forEach((item, i) => {
    const parsed = one(item, Array.isArray(value) ? `${field}[${i}]` : field, itemBad);
    if (parsed) out.push(parsed);
  });
  itemBad.done();
  return out;
}

function optionalString(value: unknown, field: string, bad: Bad): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    bad(field, 'must be a string');
    return undefined;
  }
  if (value.includes('\u0000')) bad(field, 'must not contain NUL characters');
  return value;
}

function parseHeaders(value: unknown, limits: SendLimits, bad: Bad): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    bad('headers', 'must be an object of header names to string values');
    return {};
  }
  const out: Record<string, string> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > limits.maxHeaders)
    bad('headers', `must have at most ${limits.maxHeaders} headers`);
  const itemBad = capped('headers', bad);
  for (const [name, v] of entries) {
    const field = `headers.${name}`;
    if (!HEADER_NAME.test(name) || name.length > 76) itemBad(field, 'is not a valid header name');
    else if (RESERVED_HEADERS.test(name))
      itemBad(field, 'is reserved: set it through its own field');
    else if (TRACE_HEADERS.test(name))
      itemBad(field, 'is a trace or authentication header: only servers on the way add it');
    else if (typeof v !== 'string') itemBad(field, 'must be a string');
    else if (HEADER_UNSAFE_CHARS.test(v))
      itemBad(
        field,
        'must not contain control characters (CR, LF, NUL, C1, ...) or bidi overrides',
      );
    else if (v.length > 998) itemBad(field, 'must be at most 998 characters');
    else out[name] = v;
  }
  itemBad.done();
  return out;
}

function parseAttachments(value: unknown, limits: SendLimits, listBad: Bad): Attachment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    listBad('attachments', 'must be a list');
    return [];
  }
  if (value.length > limits.maxAttachments)
    listBad('attachments', `must have at most ${limits.maxAttachments} attachments`);
  const out: Attachment[] = [];
  let total = 0;
  const bad = capped('attachments', listBad);
  value.forEach((item, i) => {
    const field = `attachments[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      return bad(field, 'must be {filename, contentType, content}');
    const a = item as Record<string, unknown>;
    for (const key of Object.keys(a)) {
      if (!['filename', 'contentType', 'content', 'contentId'].includes(key)) {
        bad(
          `${field}.${key}`,
          key === 'path' || key === 'url' || key === 'href'
            ? 'attachments are bytes only (base64 content), never a path or URL'
            : 'is not a known field',
        );
      }
    }
    const { filename, contentType, content, contentId } = a;
    let ok = true;
    if (typeof filename !== 'string' || !filename.trim()) {
      ok = false;
      bad(`${field}.filename`, 'is required');
    } else if (
      HEADER_UNSAFE_CHARS.test(filename) ||
      /[/\\]/.test(filename) ||
      filename.length > 255
    ) {
      ok = false;
      bad(
        `${field}.filename`,
        'must be a plain file name (no control characters, bidi overrides or path separators, at most 255 characters)',
      );
    }
    if (
      contentType !== undefined &&
      (typeof contentType !== 'string' || !CONTENT_TYPE.test(contentType))
    ) {
      ok = false;
      bad(`${field}.contentType`, 'must be a MIME type like application/pdf');
    }
    if (
      contentId !== undefined &&
      (typeof contentId !== 'string' ||
        !/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]{1,200}$/.test(contentId))
    ) {
      ok = false;
      bad(
        `${field}.contentId`,
        'must be 1 to 200 characters without spaces, angle brackets or control characters',
      );
    }
    if (typeof content !== 'string') {
      ok = false;
      bad(`${field}.content`, 'is required (base64)');
    } else if (!isBase64(content)) {
      ok = false;
      bad(`${field}.content`, 'must be valid base64');
    }
    if (!ok) return;
    const bytes = Buffer.from(content as string, 'base64');
    total += bytes.length;
    out.push({
      filename: filename as string,
      contentType: (contentType as string | undefined) ?? 'application/octet-stream',
      content: bytes,
      ...(contentId ? { contentId: contentId as string } : {}),
    });
  });
  bad.done();
  if (total > limits.maxAttachmentBytes)
    listBad('attachments', `must total at most ${limits.maxAttachmentBytes} bytes (has ${total})`);
  return out;
}

function parseTags(value: unknown, bad: Bad): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    bad('tags', 'must be a list of strings');
    return [];
  }
  if (value.length > MAX_TAGS) bad('tags', `must have at most ${MAX_TAGS} tags`);
  const out: string[] = [];
  const itemBad = capped('tags', bad);
  value.forEach((tag, i) => {
    if (typeof tag !== 'string' || !tag || tag.length > MAX_TAG_LENGTH || CONTROL_CHARS.test(tag)) {
      itemBad(`tags[${i}]`, `must be 1 to ${MAX_TAG_LENGTH} characters without control characters`);
    } else if (!out.includes(tag)) out.push(tag);
  });
  itemBad.done();
  return out;
}

function parseMetadata(value: unknown, bad: Bad): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    bad('metadata', 'must be an object of string values');
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_METADATA) bad('metadata', `must have at most ${MAX_METADATA} keys`);
  const out: Record<string, string> = {};
  const itemBad = capped('metadata', bad);
  for (const [key, v] of entries) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key) || key === 'mailover_id')
      itemBad(
        `metadata.${key}`,
        'keys must be 1 to 64 of [A-Za-z0-9_.-] (mailover_id is reserved)',
      );
    else if (typeof v !== 'string' || v.length > MAX_METADATA_VALUE || CONTROL_CHARS.test(v))
      itemBad(
        `metadata.${key}`,
        `must be a string of at most ${MAX_METADATA_VALUE} characters without control characters`,
      );
    else out[key] = v;
  }
  itemBad.done();
  return out;
}

/**
 * True for base64 (RFC 4648, padded; whitespace between characters allowed). One pass over the
 * characters: a regex with a repeated group backtracked itself out of stack at 3.5 MiB.
 */
export function isBase64(text: string): boolean {
  let chars = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c === 0x3d) {
      padding++;
      if (padding > 2) return false;
    } else if (
      padding > 0 ||
      !(
        (c >= 0x41 && c <= 0x5a) ||
        (c >= 0x61 && c <= 0x7a) ||
        (c >= 0x30 && c <= 0x39) ||
        c === 0x2b ||
        c === 0x2f
      )
    ) {
      return false;
    }
    chars++;
  }
  return chars % 4 === 0;
}

/** The original service's fields, mapped onto the send request, with problems named by the original fields. */
export function parseLegacyRequest(body: unknown, limits: SendRules): SendRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError([
      { field: '', detail: 'the body must be a form or a JSON object' },
    ]);
  }
  const b = body as Record<string, unknown>;
  const known = new Set([
    'to',
    'to_name',
    'from',
    'from_name',
    'subject',
    'body',
    'text',
    'send_at',
  ]);
  const unknown: FieldProblem[] = Object.keys(b)
    .filter((k) => !known.has(k))
    .map((field) => ({ field, detail: 'is not a known field' }));
  const address = (email: unknown, name: unknown) =>
    email === undefined ? undefined : name === undefined || name === '' ? email : { email, name };
  const mapped: Record<string, unknown> = {
    from: address(b.from, b.from_name),
    to: address(b.to, b.to_name),
    subject: b.subject,
    html: b.body === '' ? undefined : b.body,
    text: b.text === '' ? undefined : b.text,
    sendAt: b.send_at === '' ? undefined : b.send_at,
  };
  try {
    if (unknown.length) throw new InvalidInputError([]);
    return parseSendRequest(mapped, limits);
  } catch (e) {
    if (!(e instanceof InvalidInputError)) throw e;
    const rename: Record<string, string> = { html: 'body', sendAt: 'send_at' };
    const problems = e.problems.map((p) => ({
      field: rename[p.field] ?? p.field.replace(/^(from|to)$/, '$1'),
      detail:
        p.field === 'html' && p.detail.startsWith('html or text')
          ? 'body (or text) is required'
          : p.detail,
    }));
    throw new InvalidInputError([...unknown, ...problems]);
  }
}
