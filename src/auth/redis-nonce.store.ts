import { Logger, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { type NonceStore, NonceStoreUnavailableError } from './nonce.store';

const PREFIX = 'mailover:nonce:';

/** Nonces in Redis (`SET NX PX`), shared by every replica, expiring by themselves. */
export class RedisNonceStore implements NonceStore, OnModuleDestroy {
  readonly recordedWithWrites = false;
  readonly #redis: Redis;
  private readonly logger = new Logger('RedisNonceStore');

  constructor(
    url: string,
    private readonly now: () => number = Date.now,
  ) {
    // Fail fast when Redis is away: the request is refused (503), never let through unchecked.
    this.#redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      connectTimeout: 2000,
      disconnectTimeout: 200,
    });
    // Said once per outage; each request meanwhile answers 503.
    let down = false;
    this.#redis.on('error', (e: Error) => {
      if (!down) this.logger.warn(`replay cache (Redis) unreachable: ${e.message}`);
      down = true;
    });
    this.#redis.on('ready', () => {
      down = false;
    });
  }

  async claim(keyId: string, nonce: string, expiresAtMs: number): Promise<boolean> {
    const ttlMs = Math.max(1000, Math.ceil(expiresAtMs - this.now()));
    try {
      const set = await this.#redis.set(`${PREFIX}${keyId}:${nonce}`, '1', 'PX', ttlMs, 'NX');
      return set === 'OK';
    } catch {
      throw new NonceStoreUnavailableError('the replay cache is unreachable', 5);
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.#redis.status === 'ready')
      await this.#redis.quit().catch(() => this.#redis.disconnect());
    else this.#redis.disconnect();
  }
}
