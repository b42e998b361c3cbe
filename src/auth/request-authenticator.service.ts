import { Inject, Injectable } from '@nestjs/common';
import { AuthConfig } from '../config/config.schema';
import { type VerificationFailure, verifyRequest } from '../domain/signing';
import { type ApiKey, KeyRing } from './key-ring.service';
import { LegacyUnsignedAccess } from './legacy-unsigned';
import { NonceStore, NonceStoreUnavailableError } from './nonce.store';

export type Authentication =
  /** `nonce`: still to be recorded, by the route's write (authenticate's `nonceWithWrite`). */
  | { ok: true; key: ApiKey; nonce?: { value: string; expiresAtMs: number } }
  | { ok: false; failure: VerificationFailure | { ok: false; reason: 'replayed' } }
  | { ok: false; failure: { ok: false; reason: 'unavailable'; retryAfterSeconds: number } };

/** The signature alone (no state): which key signed, and the nonce still to be claimed. */
export type Verification =
  | { ok: true; key: ApiKey; nonce?: { value: string; expiresAtMs: number } }
  | { ok: false; failure: VerificationFailure };

/**
 * What authentication reads from a request: Fastify's request, typed structurally (Nest bundles
 * its own copy of Fastify's types).
 */
export interface SignedRequest {
  method: string;
  url: string;
  /** The client address (honours X-Forwarded-For from trusted proxies only). */
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  raw: { url?: string };
  body?: unknown;
  /** The raw body bytes, kept by the body parser. */
  rawBody?: unknown;
}

/** Paths that never need a signature: probes, the API docs and metrics. */
const OPEN_PATH = /^\/(?:health|docs|docs-json|metrics)(?:[/?]|$)/;

/** Providers' event webhooks: verified by each provider's own scheme, not Mailover's signature. */
const WEBHOOK_PATH = /^\/v1\/webhooks\//;

export function isWebhookPath(url: string): boolean {
  return WEBHOOK_PATH.test(url);
}

/**
 * True for requests whose body must be verified before it is parsed. This decides only *when* a
 * body is checked; whether a route needs a key at all is the guard's, from `@Public()`.
 */
export function isSignedPath(url: string): boolean {
  return !OPEN_PATH.test(url);
}

/**
 * Authenticates a request in two steps, each once per request. `verify` checks the signature
 * (pure, a few microseconds): the body parser calls it before parsing, the rate limit to pick
 * the key's budget. `authenticate` then claims the nonce, and only the auth guard calls it, after
 * the rate limit: a request refused 429 records no nonce, so a key cannot fill the replay cache
 * faster than its budget allows.
 */
@Injectable()
export class RequestAuthenticator {
  readonly #verified = new WeakMap<object, Verification>();
  readonly #results = new WeakMap<object, Promise<Authentication>>();
  readonly #legacy?: LegacyUnsignedAccess;

  constructor(
    private readonly keys: KeyRing,
    @Inject(NonceStore) private readonly nonces: NonceStore,
    private readonly config: AuthConfig,
  ) {
    if (config.legacyUnsigned) this.#legacy = new LegacyUnsignedAccess(config.legacyUnsigned);
  }

  verify(request: SignedRequest): Verification {
    let result = this.#verified.get(request);
    if (!result) {
      result = this.check(request, Date.now());
      this.#verified.set(request, result);
    }
    return result;
  }

  /**
   * `nonceWithWrite`: the route records the nonce in its own write (`@NonceWithWrite()`); when the
   * nonce store allows it, the answer carries the nonce instead of claiming it here.
   */
  authenticate(request: SignedRequest, nonceWithWrite = false): Promise<Authentication> {
    let result = this.#results.get(request);
    if (!result) {
      const verification = this.verify(request);
      result =
        nonceWithWrite && this.nonces.recordedWithWrites && verification.ok
          ? Promise.resolve(verification)
          : this.claim(verification);
      this.#results.set(request, result);
    }
    return result;
  }

  private check(request: SignedRequest, nowMs: number): Verification {
    if (this.#legacy?.admits(request)) {
      const key = this.keys.get(this.#legacy.config.key);
      if (key) return { ok: true, key };
    }
    const raw = request.rawBody;
    // A body that reached us without its raw bytes cannot be checked: refuse it.
    if (!Buffer.isBuffer(raw) && request.body !== undefined && request.body !== null) {
      return { ok: false, failure: { ok: false, reason: 'unauthenticated' } };
    }
    const verification = verifyRequest(
      {
        method: request.method,
        target: request.raw.url ?? request.url,
        headers: request.headers,
        body: Buffer.isBuffer(raw) ? raw : undefined,
      },
      {
        secretOf: (id) => this.keys.secretOf(id),
        nowSeconds: Math.floor(nowMs / 1000),
        maxSkewSeconds: this.config.maxSkewSeconds,
      },
    );
    if (!verification.ok) return { ok: false, failure: verification };
    // The timestamp refuses a replay once it leaves the window; until then the nonce does.
    const expiresAtMs = (verification.timestamp + this.config.maxSkewSeconds + 1) * 1000;
    return {
      ok: true,
      key: this.keys.get(verification.keyId)!,
      nonce: { value: verification.nonce, expiresAtMs },
    };
  }

  private async claim(verification: Verification): Promise<Authentication> {
    if (!verification.ok) return verification;
    const { key, nonce } = verification;
    // No nonce: an unsigned legacy call admitted by its network (auth.legacyUnsigned).
    if (!nonce) return { ok: true, key };
    try {
      if (!(await this.nonces.claim(key.id, nonce.value, nonce.expiresAtMs))) {
        return { ok: false, failure: { ok: false, reason: 'replayed' } };
      }
    } catch (e) {
      if (!(e instanceof NonceStoreUnavailableError)) throw e;
      return {
        ok: false,
        failure: { ok: false, reason: 'unavailable', retryAfterSeconds: e.retryAfterSeconds },
      };
    }
    return { ok: true, key };
  }
}
