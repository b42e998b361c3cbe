import { Inject, Injectable } from '@nestjs/common';
import { AuthConfig } from '../config/config.schema';
import { type VerificationFailure, verifyRequest } from '../domain/signing';
import { type ApiKey, KeyRing } from './key-ring.service';
import { NonceStore, NonceStoreUnavailableError } from './nonce.store';

export type Authentication =
  | { ok: true; key: ApiKey }
  | { ok: false; failure: VerificationFailure | { ok: false; reason: 'replayed' } }
  | { ok: false; failure: { ok: false; reason: 'unavailable'; retryAfterSeconds: number } };

/**
 * What authentication reads from a request: Fastify's request, typed structurally (Nest bundles
 * its own copy of Fastify's types).
 */
export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  raw: { url?: string };
  body?: unknown;
  /** The raw body bytes, kept by the body parser. */
  rawBody?: unknown;
}

/** Paths that never need a signature: probes, the API docs and metrics. */
const OPEN_PATH = /^\/(?:health|docs|docs-json|metrics)(?:[/?]|$)/;

/**
 * True for requests whose body must be verified before it is parsed. This decides only *when* a
 * body is checked; whether a route needs a key at all is the guard's, from `@Public()`.
 */
export function isSignedPath(url: string): boolean {
  return !OPEN_PATH.test(url);
}

/**
 * Authenticates a request once: the body parser calls it over the raw bytes before parsing,
 * the guards call it for bodyless requests, and every caller gets the same answer (a nonce is
 * claimed once per request).
 */
@Injectable()
export class RequestAuthenticator {
  readonly #results = new WeakMap<object, Promise<Authentication>>();

  constructor(
    private readonly keys: KeyRing,
    @Inject(NonceStore) private readonly nonces: NonceStore,
    private readonly config: AuthConfig,
  ) {}

  authenticate(request: SignedRequest): Promise<Authentication> {
    let result = this.#results.get(request);
    if (!result) {
      result = this.check(request, Date.now());
      this.#results.set(request, result);
    }
    return result;
  }

  private async check(request: SignedRequest, nowMs: number): Promise<Authentication> {
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
    try {
      if (!(await this.nonces.claim(verification.keyId, verification.nonce, expiresAtMs))) {
        return { ok: false, failure: { ok: false, reason: 'replayed' } };
      }
    } catch (e) {
      if (!(e instanceof NonceStoreUnavailableError)) throw e;
      return {
        ok: false,
        failure: { ok: false, reason: 'unavailable', retryAfterSeconds: e.retryAfterSeconds },
      };
    }
    return { ok: true, key: this.keys.get(verification.keyId)! };
  }
}
