/**
 * Remembers each (key, nonce) pair until its signature's timestamp leaves the skew window, so a
 * captured request cannot be replayed. Two implementations: memory (one process) and Redis
 * (shared by replicas), chosen by `rateLimit.storage`.
 */
export interface NonceStore {
  /**
   * Records the nonce for the key unless it is already there. `expiresAtMs` is when a replay
   * would be refused by its timestamp anyway. True when the nonce is new.
   */
  claim(keyId: string, nonce: string, expiresAtMs: number): Promise<boolean>;
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
