import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

// The package's index does not export the record type.
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How often records whose window and block have both ended are dropped. */
export const SWEEP_EVERY_MS = 60_000;

interface Counter {
  hits: number;
  /** Epoch ms. */
  windowEndsAt: number;
  /** Epoch ms; -Infinity when never blocked. */
  blockedUntil: number;
}

/**
 * The in-process rate limit storage (`rateLimit.storage: memory`). A fixed-window counter per
 * key and throttler that returns the same numbers as the Redis storage's script
 * (@nest-lab/throttler-storage-redis), so both storages limit alike, at O(1) work per request.
 */
@Injectable()
export class MemoryThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly counters = new Map<string, Counter>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    // Must not keep the process (or a test run) alive on its own.
    this.sweeper.unref();
  }

  get size(): number {
    return this.counters.size;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    const id = `${key}:${throttlerName}`;
    let counter = this.counters.get(id);
    if (!counter) {
      counter = { hits: 0, windowEndsAt: -Infinity, blockedUntil: -Infinity };
      this.counters.set(id, counter);
    }

    // The steps and their order follow the Redis script. Redis keeps a key through its last
    // millisecond (it expires once now > expiry), hence `>` and `<=` below, not the reverse.
    counter.hits = now > counter.windowEndsAt ? 1 : counter.hits + 1;
    let timeToExpire = counter.windowEndsAt - now;
    if (timeToExpire <= 0) {
      // A new window, or the last millisecond of one: Redis re-arms the TTL and keeps the count.
      counter.windowEndsAt = now + ttl;
      timeToExpire = ttl;
    }

    let isBlocked = false;
    let timeToBlockExpire = 0;
    if (now <= counter.blockedUntil) {
      isBlocked = true;
      timeToBlockExpire = counter.blockedUntil - now;
    } else if (counter.hits > limit) {
      counter.blockedUntil = now + blockDuration;
      isBlocked = true;
      timeToBlockExpire = blockDuration;
    }

    if (isBlocked && timeToBlockExpire <= 0) {
      // The block's last millisecond: the script lifts it and starts a new window at 1.
      counter.blockedUntil = -Infinity;
      counter.hits = 1;
      counter.windowEndsAt = now + ttl;
      timeToExpire = ttl;
      isBlocked = false;
    }

    return {
      totalHits: counter.hits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }

  /** Drops the records that would behave as absent: window and block both over. */
  sweep(now = this.now()): void {
    for (const [id, counter] of this.counters) {
      if (now > counter.windowEndsAt && now > counter.blockedUntil) this.counters.delete(id);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
