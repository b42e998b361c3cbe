import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Mailover's request signature, version 1: the one implementation used by the server, the
 * client, the CLI and the benchmark. See docs/signing.md.
 *
 * string-to-sign = "v1\n<timestamp>\n<nonce>\n<METHOD>\n<target>\n<hex sha256(body)>"
 * X-Mailover-Signature: v1=<hex hmac-sha256(secret, string-to-sign)>
 */

export const SIGNATURE_VERSION = 'v1';

/** Header names, lower case as Node presents them. */
export const SIGNATURE_HEADERS = {
  key: 'x-mailover-key',
  timestamp: 'x-mailover-timestamp',
  nonce: 'x-mailover-nonce',
  signature: 'x-mailover-signature',
} as const;

/** Header names as documented (and as the client sends them). */
export const SIGNATURE_HEADER_NAMES = {
  key: 'X-Mailover-Key',
  timestamp: 'X-Mailover-Timestamp',
  nonce: 'X-Mailover-Nonce',
  signature: 'X-Mailover-Signature',
} as const;

export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
const SIGNATURE_PATTERN = /^v1=[0-9a-f]{64}$/;

/** The hex SHA-256 of the empty body (bodyless requests). */
export const EMPTY_BODY_SHA256 = createHash('sha256').digest('hex');

export type Body = Uint8Array | string | undefined | null;

/** What the signature covers, besides the secret. */
export interface SignedParts {
  timestamp: string;
  nonce: string;
  /** The HTTP method; upper-cased here. */
  method: string;
  /** The request target as sent: path, plus `?` and the query string if any. */
  target: string;
  /** The raw body bytes (a string is taken as UTF-8); none is the empty body. */
  body?: Body;
}

/** Lower-case hex SHA-256 of the body; of the empty string when there is none. */
export function bodySha256(body: Body): string {
  if (body === undefined || body === null || body.length === 0) return EMPTY_BODY_SHA256;
  return createHash('sha256').update(body).digest('hex');
}

/** The six lines, joined by `\n`, no trailing newline. */
export function stringToSign(parts: SignedParts, bodyHash = bodySha256(parts.body)): string {
  return [
    SIGNATURE_VERSION,
    parts.timestamp,
    parts.nonce,
    parts.method.toUpperCase(),
    parts.target,
    bodyHash,
  ].join('\n');
}

/** The X-Mailover-Signature value: `v1=<lower-case hex HMAC-SHA256>`. */
export function sign(secret: string, parts: SignedParts, bodyHash?: string): string {
  const mac = createHmac('sha256', secret).update(stringToSign(parts, bodyHash)).digest('hex');
  return `${SIGNATURE_VERSION}=${mac}`;
}

/** Compares a presented signature with the expected one in constant time. */
export function verify(
  secret: string,
  parts: SignedParts,
  signature: string,
  bodyHash?: string,
): boolean {
  const expected = Buffer.from(sign(secret, parts, bodyHash));
  const presented = Buffer.from(signature);
  // Lengths differ only for malformed values, which reveal nothing about the secret.
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** A random nonce: 22 URL-safe base64 characters (128 bits). */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

export interface SignRequestInput {
  keyId: string;
  secret: string;
  method: string;
  target: string;
  body?: Body;
  /** Unix seconds; default: now. */
  timestamp?: number;
  /** Default: a fresh random nonce. */
  nonce?: string;
}

/** The four headers of a signed request (documented spelling). */
export type SignatureHeaders = Record<
  (typeof SIGNATURE_HEADER_NAMES)[keyof typeof SIGNATURE_HEADER_NAMES],
  string
>;

/** Signs a request: returns the four X-Mailover-* headers to send with it. */
export function signRequest(input: SignRequestInput): SignatureHeaders {
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? newNonce();
  const signature = sign(input.secret, {
    timestamp,
    nonce,
    method: input.method,
    target: input.target,
    body: input.body,
  });
  return {
    [SIGNATURE_HEADER_NAMES.key]: input.keyId,
    [SIGNATURE_HEADER_NAMES.timestamp]: timestamp,
    [SIGNATURE_HEADER_NAMES.nonce]: nonce,
    [SIGNATURE_HEADER_NAMES.signature]: signature,
  } as SignatureHeaders;
}

/** A request as the server received it. Header names are lower case (Node's convention). */
export interface ReceivedRequest {
  method: string;
  target: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Body;
}

/** Why a request is refused. `unauthenticated` covers unknown key, disabled key and bad signature alike. */
export type VerificationFailure =
  | { ok: false; reason: 'malformed'; detail: string }
  | { ok: false; reason: 'skew'; detail: string; skewSeconds: number }
  | { ok: false; reason: 'unauthenticated' };

export type Verification =
  { ok: true; keyId: string; nonce: string; timestamp: number } | VerificationFailure;

export interface VerifyOptions {
  /** The secret of an enabled key, or undefined for an unknown or disabled one. */
  secretOf: (keyId: string) => string | undefined;
  /** Server clock, unix seconds. */
  nowSeconds: number;
  maxSkewSeconds: number;
}

/** Compared against when the key is unknown, so that an unknown key costs as much as a bad signature. */
const DECOY_SECRET = randomBytes(32).toString('hex');

/**
 * Checks a received request's signature: headers well formed, timestamp within the window, key
 * known and signature right. Replay (the nonce) is the caller's to check afterwards, with state.
 */
export function verifyRequest(request: ReceivedRequest, options: VerifyOptions): Verification {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const keyId = header(SIGNATURE_HEADERS.key);
  const timestamp = header(SIGNATURE_HEADERS.timestamp);
  const nonce = header(SIGNATURE_HEADERS.nonce);
  const signature = header(SIGNATURE_HEADERS.signature);

  const malformed: string[] = [];
  if (keyId === undefined || !KEY_ID_PATTERN.test(keyId)) {
    malformed.push(`${SIGNATURE_HEADER_NAMES.key} (a key id)`);
  }
  if (timestamp === undefined || !TIMESTAMP_PATTERN.test(timestamp)) {
    malformed.push(`${SIGNATURE_HEADER_NAMES.timestamp} (unix seconds)`);
  }
  if (nonce === undefined || !NONCE_PATTERN.test(nonce)) {
    malformed.push(`${SIGNATURE_HEADER_NAMES.nonce} (16 to 64 of [A-Za-z0-9_-])`);
  }
  if (signature === undefined || !SIGNATURE_PATTERN.test(signature)) {
    malformed.push(`${SIGNATURE_HEADER_NAMES.signature} (v1=<64 lower-case hex digits>)`);
  }
  if (malformed.length) {
    return {
      ok: false,
      reason: 'malformed',
      detail: `Missing or malformed ${malformed.join(', ')}. See docs/signing.md.`,
    };
  }

  const seconds = Number(timestamp);
  const skewSeconds = seconds - options.nowSeconds;
  if (Math.abs(skewSeconds) > options.maxSkewSeconds) {
    const direction = skewSeconds < 0 ? 'behind' : 'ahead of';
    return {
      ok: false,
      reason: 'skew',
      skewSeconds,
      detail:
        `${SIGNATURE_HEADER_NAMES.timestamp} is ${Math.abs(skewSeconds)} s ${direction} the server clock; ` +
        `at most ${options.maxSkewSeconds} s is allowed. The server's time is in the Date header.`,
    };
  }

  const secret = options.secretOf(keyId!);
  const parts: SignedParts = {
    timestamp: timestamp!,
    nonce: nonce!,
    method: request.method,
    target: request.target,
    body: request.body,
  };
  const matches = verify(secret ?? DECOY_SECRET, parts, signature!);
  if (!matches || secret === undefined) return { ok: false, reason: 'unauthenticated' };
  return { ok: true, keyId: keyId!, nonce: nonce!, timestamp: seconds };
}
