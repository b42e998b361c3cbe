import { type NonceStore, NonceStoreUnavailableError } from './nonce.store';

/** Nonces held at once by one process; about 100 bytes each. */
export const DEFAULT_NONCE_CAPACITY = 500_000;

/**
 * The in-process nonce store. Bounded: nonces are grouped in per-second buckets by expiry and
 * dropped once expired; when it is full of live nonces, new requests are refused (503) rather
 * than a remembered nonce forgotten early, which would open a replay window.
 */
export class MemoryNonceStore implements NonceStore {
  readonly #seen = new Set<string>();
  /** Expiry second -> entries expiring then. */
  readonly #buckets = new Map<number, string[]>();
  #sweptAt = 0;

  constructor(
    readonly capacity = DEFAULT_NONCE_CAPACITY,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#seen.size;
  }

  async claim(keyId: string, nonce: string, expiresAtMs: number): Promise<boolean> {
    const now = this.now();
    if (now - this.#sweptAt >= 1000 || this.#seen.size >= this.capacity) this.sweep(now);
    const entry = `${keyId} ${nonce}`;
    if (this.#seen.has(entry)) return false;
    if (this.#seen.size >= this.capacity) {
      const retryAfter = Math.max(1, Math.ceil((this.earliestExpiry() - now) / 1000));
      throw new NonceStoreUnavailableError('the replay cache is full', retryAfter);
    }
    this.#seen.add(entry);
    const second = Math.ceil(expiresAtMs / 1000);
    const bucket = this.#buckets.get(second);
    if (bucket) bucket.push(entry);
    else this.#buckets.set(second, [entry]);
    return true;
  }

  private sweep(now: number): void {
    this.#sweptAt = now;
    for (const [second, entries] of this.#buckets) {
      if (second * 1000 > now) continue;
      for (const entry of entries) this.#seen.delete(entry);
      this.#buckets.delete(second);
    }
  }

  private earliestExpiry(): number {
    let earliest = Infinity;
    for (const second of this.#buckets.keys()) earliest = Math.min(earliest, second * 1000);
    return earliest;
  }
}
