import { Injectable } from '@nestjs/common';
import { LimitsConfig } from '../config/config.schema';

/**
 * `Prefer: wait` holds a request open for up to 30 s; each key may hold only
 * `limits.maxWaitsPerKey` at once, so one key cannot pin the server's connections and timers.
 */
@Injectable()
export class WaitSlots {
  readonly #held = new Map<string, number>();

  constructor(private readonly limits: LimitsConfig) {}

  /** Takes one of the key's slots and answers its release, or undefined when all are held. */
  take(keyId: string): (() => void) | undefined {
    const held = this.#held.get(keyId) ?? 0;
    if (held >= this.limits.maxWaitsPerKey) return undefined;
    this.#held.set(keyId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(keyId) ?? 1) - 1;
      if (left > 0) this.#held.set(keyId, left);
      else this.#held.delete(keyId);
    };
  }
}
