import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookPayloadError, type EventType, type ProviderEvent } from '../domain/events';

/** One header's value (the first, when repeated). */
export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time equality of two strings (false when their lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(
  algorithm: 'sha1' | 'sha256',
  key: Buffer | string,
  data: Buffer | string,
): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

/** True when `seconds` (unix time) is within `toleranceMs` of now, either way. */
export function fresh(seconds: number, now: Date, toleranceMs: number): boolean {
  return Number.isFinite(seconds) && Math.abs(now.getTime() - seconds * 1000) <= toleranceMs;
}

/** `Authorization: Basic` with these credentials, compared in constant time. */
export function basicMatches(
  authorization: string | undefined,
  user: string,
  pass: string,
): boolean {
  const given = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization?.trim() ?? '')?.[1] ?? '';
  const expected = Buffer.from(`${user}:${pass}`).toString('base64');
  return safeEqual(given, expected);
}

/** JSON of a verified body; a body that is not JSON is the caller's 400. */
export function readJson(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new WebhookPayloadError('the body is not JSON');
  }
}

/** JSON without throwing (verification reads fields of bodies that may be anything). */
export function tryJson(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `value`, or an empty one. */
export function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}

/** A string field, or undefined (numbers are given as their text). */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A date from unix seconds (number or numeric string) or an ISO text; `fallback` otherwise. */
export function dateOf(value: unknown, fallback: Date): Date {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
    const d = new Date(Number(value) * 1000);
    return Number.isNaN(d.getTime()) ? fallback : d;
  }
  if (typeof value === 'string') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? fallback : d;
  }
  return fallback;
}

/** An event with only the fields that are set (no `undefined` keys in the store or the API). */
export function event(fields: {
  type: EventType;
  bounce?: 'hard' | 'soft';
  recipient?: string;
  eventKey: string;
  providerEventId?: string;
  providerMessageId?: string;
  mailoverId?: string;
  occurredAt: Date;
  reason?: string;
  url?: string;
  userAgent?: string;
}): ProviderEvent {
  const out: ProviderEvent = {
    type: fields.type,
    recipient: fields.recipient ?? '',
    eventKey: fields.eventKey,
    occurredAt: fields.occurredAt,
  };
  if (fields.type === 'bounced') out.bounce = fields.bounce ?? 'soft';
  for (const key of [
    'providerEventId',
    'providerMessageId',
    'mailoverId',
    'reason',
    'url',
    'userAgent',
  ] as const) {
    const value = fields[key];
    // Bounded: a provider's text is kept to a useful length.
    if (typeof value === 'string' && value !== '') out[key] = value.slice(0, 1000);
  }
  return out;
}
