/**
 * Remembers each (key, nonce) pair until its signature's timestamp leaves the skew window, so a
 * captured request cannot be replayed, not even after a restart or on another replica. The store
 * (SQLite or PostgreSQL) by default, Redis with `rateLimit.storage: redis`; an in-memory one for
 * the benchmarks.
 */
export interface NonceStore {
  /**
   * Records the nonce for the key unless it is already there. `expiresAtMs` is when a replay
   * would be refused by its timestamp anyway. True when the nonce is new.
   */
  claim(keyId: string, nonce: string, expiresAtMs: number): Promise<boolean>;
  /**
   * True when the nonces live in the store's own database: a route that writes (a send, marked
   * `@NonceWithWrite()`) then records its nonce in the transaction that stores its email, one
   * commit for both, instead of claiming it first in a commit of its own.
   */
  readonly recordedWithWrites: boolean;
}

export const NonceStore = Symbol('NonceStore');

/** The store cannot take the nonce (full, or Redis unreachable): the request is refused, never let through. */
export class NonceStoreUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'NonceStoreUnavailableError';
  }
}
