import { z } from 'zod';
import { CONTROL_CHARS, HEADER_UNSAFE_CHARS, parseAddress } from './address';
import type { Address, Attachment } from './email';
import { parseSendAt } from './send-at';

/** The configurable limits a send request is held to (config `limits`). */
export interface SendLimits {
  maxRecipients: number;
  maxAttachments: number;
  maxAttachmentBytes: number;
  maxSubjectLength: number;
  maxHeaders: number;
}

/** Headers the message model owns; a custom header cannot set them. */
const RESERVED_HEADERS =
  /^(from|to|cc|bcc|reply-to|subject|date|message-id|mime-version|content-.*|sender|x-mailover-.*)$/i;
/** Headers that servers on the way add to record a message's path and authentication: never forged by a sender. */
const TRACE_HEADERS =
  /^(authentication-results|arc-.*|received.*|resent-.*|delivered-to|dkim-.*|return-path|errors-to)$/i;
const HEADER_NAME = /^[!-9;-~]{1,76}$/; // RFC 5322 field-name: printable ASCII except colon
const CONTENT_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i;
const CONTENT_ID = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]{1,200}$/;
const METADATA_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 128;
const MAX_METADATA = 50;
const MAX_METADATA_VALUE = 1000;
const MAX_HEADER_VALUE = 998;

const UNSAFE = 'must not contain control characters (CR, LF, NUL, C1, ...) or bidi overrides';
const ADDRESS_SHAPE = 'must be an address string or {email, name}';
const TAG = `must be 1 to ${MAX_TAG_LENGTH} characters without control characters`;
const METADATA_VALUE = `must be a string of at most ${MAX_METADATA_VALUE} characters without control characters`;
const MIME_TYPE = 'must be a MIME type like application/pdf';
const PROVIDER_IDS = 'must be a non-empty list of provider ids';
const CONTENT_ID_PROBLEM =
  'must be 1 to 200 characters without spaces, angle brackets or control characters';
const METADATA_KEY_PROBLEM = 'keys must be 1 to 64 of [A-Za-z0-9_.-] (mailover_id is reserved)';

/** "is required" when absent, `wrongType` when present but of another type. */
const requiredOr = (wrongType: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : wrongType;

const safe = (s: string) => !HEADER_UNSAFE_CHARS.test(s);

/**
 * An address: `Name <addr>`, `addr` or `{email, name}`, read by the domain's parseAddress (which
 * names what is wrong with it). The union is what the OpenAPI document shows.
 */
const address = z
  .union(
    [
      z.string().meta({ example: 'Ann Lee <ann@example.com>' }),
      z.strictObject({
        email: z
          .string({ error: requiredOr('must be a string') })
          .meta({ example: 'bob@example.com' }),
        name: z.string({ error: 'must be a string' }).nullish().meta({ example: 'Bob Roe' }),
      }),
    ],
    { error: requiredOr(ADDRESS_SHAPE) },
  )
  .transform((value, ctx): Address => {
    const parsed = parseAddress(value);
    if (typeof parsed !== 'string') return parsed;
    ctx.issues.push({ code: 'custom', message: parsed, input: value });
    return z.NEVER;
  })
  .meta({ id: 'Address' });

/**
 * Refuses a list (or object) longer than `max` before its items are read, so a body of a million
 * items costs one count and one problem, never a million.
 */
function atMost<T extends z.ZodType>(
  max: number,
  problem: (count: number) => string,
  schema: T,
  count: (value: unknown) => number | undefined = (v) => (Array.isArray(v) ? v.length : undefined),
) {
  return z.preprocess((value, ctx) => {
    const n = count(value);
    if (n !== undefined && n > max)
      ctx.issues.push({ code: 'custom', message: problem(n), input: value });
    return value;
  }, schema);
}

const entries = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v).length : undefined;

/** One address or a list of them (the list is what comes out). */
function addresses(limits: SendLimits, required: boolean) {
  const list = atMost(
    limits.maxRecipients,
    (n) => `must have at most ${limits.maxRecipients} recipients (has ${n})`,
    // The max is for the OpenAPI document: atMost has said it before the items are read.
    (required ? z.array(address).min(1, 'must have at least one address') : z.array(address)).max(
      limits.maxRecipients,
    ),
  );
  const one = address.transform((a) => [a]);
  const either = z.union([one, list], { error: requiredOr(ADDRESS_SHAPE) });
  return required ? either : either.nullish().transform((v) => v ?? []);
}

const attachment = z
  .strictObject(
    {
      filename: z
        .string({ error: 'is required' })
        .refine((s) => s.trim() !== '', { message: 'is required', abort: true })
        .refine((s) => safe(s) && !/[/\\]/.test(s) && s.length <= 255, {
          message:
            'must be a plain file name (no control characters, bidi overrides or path separators, at most 255 characters)',
        })
        .meta({ example: 'receipt.pdf' }),
      contentType: z
        .string({ error: MIME_TYPE })
        .regex(CONTENT_TYPE, MIME_TYPE)
        .optional()
        .meta({ example: 'application/pdf' }),
      content: z
        .string({ error: 'is required (base64)' })
        .refine(isBase64, 'must be valid base64')
        .meta({ description: 'The bytes, base64. Never a path or URL.', example: 'SGVsbG8=' }),
      contentId: z
        .string({ error: CONTENT_ID_PROBLEM })
        .regex(CONTENT_ID, CONTENT_ID_PROBLEM)
        .optional()
        .meta({
          description: 'Makes it an inline part referenced as cid:<contentId>',
          example: 'receipt-1',
        }),
    },
    { error: requiredOr('must be {filename, contentType, content}') },
  )
  .transform((a): Attachment => ({
    filename: a.filename,
    contentType: a.contentType ?? 'application/octet-stream',
    content: Buffer.from(a.content, 'base64'),
    ...(a.contentId ? { contentId: a.contentId } : {}),
  }))
  .meta({ id: 'Attachment' });

function schemaFor(limits: SendLimits) {
  const headerName = z
    .string()
    .regex(HEADER_NAME, 'is not a valid header name')
    .refine((n) => !RESERVED_HEADERS.test(n), {
      message: 'is reserved: set it through its own field',
      abort: true,
    })
    .refine((n) => !TRACE_HEADERS.test(n), {
      message: 'is a trace or authentication header: only servers on the way add it',
    });
  const optionalText = z
    .string({ error: 'must be a string' })
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters')
    .nullish()
    .transform((v) => v ?? undefined);

  return z.strictObject(
    {
      from: address,
      to: addresses(limits, true).meta({ example: ['Ann Lee <ann@example.com>'] }),
      cc: addresses(limits, false).meta({ example: ['Bob Roe <bob@example.com>'] }),
      bcc: addresses(limits, false).meta({ example: ['audit@acme.test'] }),
      replyTo: address
        .nullish()
        .transform((v) => v ?? undefined)
        .meta({ example: 'help@acme.test' }),
      subject: z
        .string({ error: requiredOr('must be a string') })
        .refine((s) => s.trim() !== '', { message: 'must not be empty', abort: true })
        .refine(safe, { message: UNSAFE, abort: true })
        .max(limits.maxSubjectLength, `must be at most ${limits.maxSubjectLength} characters`)
        .meta({ example: 'Your trip receipt' }),
      html: optionalText.meta({
        description: 'html or text (or both) is required',
        example: '<h1>Hi</h1>',
      }),
      text: optionalText.meta({ example: 'Hi' }),
      headers: atMost(
        limits.maxHeaders,
        () => `must have at most ${limits.maxHeaders} headers`,
        z.record(
          headerName,
          z
            .string({ error: 'must be a string' })
            .refine(safe, { message: UNSAFE, abort: true })
            .max(MAX_HEADER_VALUE, `must be at most ${MAX_HEADER_VALUE} characters`),
          { error: 'must be an object of header names to string values' },
        ),
        entries,
      )
        .nullish()
        .transform((v) => v ?? {})
        .meta({ example: { 'X-Campaign': 'nov' } }),
      attachments: atMost(
        limits.maxAttachments,
        () => `must have at most ${limits.maxAttachments} attachments`,
        z
          .array(attachment, { error: 'must be a list' })
          .max(limits.maxAttachments)
          .superRefine((list, ctx) => {
            const total = list.reduce((n, a) => n + a.content.length, 0);
            if (total > limits.maxAttachmentBytes)
              ctx.addIssue({
                code: 'custom',
                message: `must total at most ${limits.maxAttachmentBytes} bytes (has ${total})`,
              });
          }),
      )
        .nullish()
        .transform((v) => v ?? []),
      tags: atMost(
        MAX_TAGS,
        () => `must have at most ${MAX_TAGS} tags`,
        z
          .array(
            z
              .string({ error: TAG })
              .min(1, TAG)
              .max(MAX_TAG_LENGTH, TAG)
              .refine((t) => !CONTROL_CHARS.test(t), TAG),
            { error: 'must be a list of strings' },
          )
          .max(MAX_TAGS),
      )
        .nullish()
        .transform((v) => [...new Set(v ?? [])])
        .meta({ example: ['receipt'] }),
      metadata: atMost(
        MAX_METADATA,
        () => `must have at most ${MAX_METADATA} keys`,
        z.record(
          z
            .string()
            .regex(METADATA_KEY, METADATA_KEY_PROBLEM)
            .refine((k) => k !== 'mailover_id', METADATA_KEY_PROBLEM),
          z
            .string({ error: METADATA_VALUE })
            .max(MAX_METADATA_VALUE, METADATA_VALUE)
            .refine((v) => !CONTROL_CHARS.test(v), METADATA_VALUE),
          { error: 'must be an object of string values' },
        ),
        entries,
      )
        .nullish()
        .transform((v) => v ?? {})
        .meta({ example: { category: 'receipt' } }),
      sendAt: z
        .string({ error: 'must be a string' })
        .transform((text, ctx) => {
          const at = parseSendAt(text);
          if (at) return at;
          ctx.issues.push({
            code: 'custom',
            input: text,
            message:
              'must be a date that exists, as ISO 8601 with an offset (2030-01-15T09:30:00Z), "YYYY-MM-DD HH:MM:SS" (UTC) or RFC 2822',
          });
          return z.NEVER;
        })
        .nullish()
        .transform((v) => v ?? null)
        .meta({
          description:
            'ISO 8601, "YYYY-MM-DD HH:MM:SS" (UTC) or RFC 2822; Mailover holds it and sends it then',
        }),
      providers: z
        .array(z.string({ error: PROVIDER_IDS }), { error: PROVIDER_IDS })
        .min(1, PROVIDER_IDS)
        .nullish()
        .transform((v) => (v ? [...new Set(v)] : null))
        .meta({ description: 'Restrict the route to these provider ids', example: ['sandbox'] }),
    },
    { error: 'the body must be a JSON object' },
  );
}

export type SendRequestSchema = ReturnType<typeof schemaFor>;
export type ParsedSendRequest = z.output<SendRequestSchema>;

const schemas = new Map<string, SendRequestSchema>();

/** The send request's schema for these limits: built once per set of values. */
export function sendRequestSchema(limits: SendLimits): SendRequestSchema {
  const key = [
    limits.maxRecipients,
    limits.maxAttachments,
    limits.maxAttachmentBytes,
    limits.maxSubjectLength,
    limits.maxHeaders,
  ].join();
  let schema = schemas.get(key);
  if (!schema) {
    schema = schemaFor(limits);
    schemas.set(key, schema);
  }
  return schema;
}

/** The original service's fields (form or JSON); mapped onto the send request to be checked. */
export const legacyRequestSchema = z.strictObject({
  to: z.string().meta({ example: 'ann@example.com' }),
  to_name: z.string().optional().meta({ example: 'Ann Lee' }),
  from: z.string().meta({ example: 'support@acme.test' }),
  from_name: z.string().optional().meta({ example: 'Acme Support' }),
  subject: z.string(),
  body: z.string().meta({ description: 'HTML body' }),
  text: z.string().optional().meta({ description: 'Plain-text body' }),
  send_at: z.string().optional(),
});

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

/**
 * The send request as the OpenAPI document shows it (OpenAPI 3.0's JSON Schema), from the schema
 * that validates it: what the fields accept, with the configured limits.
 */
export function sendRequestJsonSchema(limits: SendLimits): JsonSchema {
  const schema = sendRequestSchema(limits);
  const json = z.toJSONSchema(schema, OPENAPI) as JsonSchema;
  // A field is required when its absence is a problem (the size guards hide that from zod's export).
  json.required = Object.entries(schema.shape)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([name]) => name);
  return json;
}

export type JsonSchema = Record<string, unknown> & { $defs?: Record<string, JsonSchema> };

/** OpenAPI 3.0's flavour of JSON Schema; shared schemas (Address, Attachment) as components. */
const OPENAPI = {
  target: 'openapi-3.0',
  io: 'input',
  uri: (id: string) => `#/components/schemas/${id}`,
} as const;

/** The original service's fields, as the OpenAPI document shows them. */
export function legacyRequestJsonSchema(): JsonSchema {
  return z.toJSONSchema(legacyRequestSchema, OPENAPI) as JsonSchema;
}
