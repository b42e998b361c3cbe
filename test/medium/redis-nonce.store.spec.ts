import { RedisNonceStore } from '../../src/auth/redis-nonce.store';
import { NonceStoreUnavailableError } from '../../src/auth/nonce.store';
import Redis from 'ioredis';

/** Against the Redis on 127.0.0.1:6379 (started by the machine, or by .ci/run). */
describe('RedisNonceStore', () => {
  const url = 'redis://127.0.0.1:6379';
  const key = `medium-${process.pid}-${Date.now()}`;
  let store: RedisNonceStore;
  let redis: Redis;

  beforeAll(() => {
    store = new RedisNonceStore(url);
    redis = new Redis(url);
  });

  afterAll(async () => {
    await store.onModuleDestroy();
    await redis.quit();
  });

  it('accepts a nonce once per key, and lets Redis expire it when its window ends', async () => {
    const expiresAt = Date.now() + 30_000;
    expect(await store.claim(key, 'nonce-000000000001', expiresAt)).toBe(true);
    expect(await store.claim(key, 'nonce-000000000001', expiresAt)).toBe(false);
    expect(await store.claim(`${key}-other`, 'nonce-000000000001', expiresAt)).toBe(true);
    const ttl = await redis.pttl(`mailover:nonce:${key}:nonce-000000000001`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('is shared: a second store (another replica) sees the nonce', async () => {
    const replica = new RedisNonceStore(url);
    try {
      expect(await store.claim(key, 'nonce-000000000002', Date.now() + 30_000)).toBe(true);
      expect(await replica.claim(key, 'nonce-000000000002', Date.now() + 30_000)).toBe(false);
    } finally {
      await replica.onModuleDestroy();
    }
  });

  it('refuses (never lets through) when Redis cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there.
    const away = new RedisNonceStore('redis://127.0.0.1:1');
    try {
      await expect(
        away.claim(key, 'nonce-000000000003', Date.now() + 30_000),
      ).rejects.toBeInstanceOf(NonceStoreUnavailableError);
    } finally {
      await away.onModuleDestroy();
    }
  });
});
