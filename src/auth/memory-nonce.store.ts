import { type NonceStore, NonceStoreUnavailableError } from './nonce.store';

/** Nonces held at once for one key; about 100 bytes each. */
export const DEFAULT_NONCE_CAPACITY = 500_000;

/**
 * An in-process nonce store, for one process that needs no restart safety (the benchmarks; the
 * server keeps nonces in the store or Redis). Bounded per key: nonces are grouped in per-second
 * buckets by expiry and dropped once expired; when one key holds `capacity` live nonces, that
 * key's new requests are refused (503) rather than a remembered nonce forgotten early, which
 * would open a replay window. Other keys are unaffected.
 */
export class MemoryNonceStore implements NonceStore {
  readonly recordedWithWrites = false;
  readonly #seen = new Set<string>();
  /** Live nonces per key id. */
  readonly #perKey = new Map<string, number>();
  /** Expiry second -> [key id, entry] expiring then. */
  readonly #buckets = new Map<number, Array<[string, string]>>();
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
    const held = () => this.#perKey.get(keyId) ?? 0;
    if (now - this.#sweptAt >= 1000 || held() >= this.capacity) this.sweep(now);
    const entry = `${keyId} ${nonce}`;
    if (this.#seen.has(entry)) return false;
    if (held() >= this.capacity) {
      const retryAfter = Math.max(1, Math.ceil((this.earliestExpiry() - now) / 1000));
      throw new NonceStoreUnavailableError('the replay cache is full', retryAfter);
    }
    this.#seen.add(entry);
    this.#perKey.set(keyId, held() + 1);
    const second = Math.ceil(expiresAtMs / 1000);
    const bucket = this.#buckets.get(second);
    if (bucket) bucket.push([keyId, entry]);
    else this.#buckets.set(second, [[keyId, entry]]);
    return true;
  }

  private sweep(now: number): void {
    this.#sweptAt = now;
    for (const [second, entries] of this.#buckets) {
      if (second * 1000 > now) continue;
      for (const [keyId, entry] of entries) {
        this.#seen.delete(entry);
        const left = (this.#perKey.get(keyId) ?? 1) - 1;
        if (left > 0) this.#perKey.set(keyId, left);
        else this.#perKey.delete(keyId);
      }
      this.#buckets.delete(second);
    }
  }

  private earliestExpiry(): number {
    let earliest = Infinity;
    for (const second of this.#buckets.keys()) earliest = Math.min(earliest, second * 1000);
    return earliest;
  }
}
