import { MemoryNonceStore } from './memory-nonce.store';
import { NonceStoreUnavailableError } from './nonce.store';

describe('MemoryNonceStore', () => {
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_700_000_000_000;
  });

  it('accepts a nonce once per key until it expires', async () => {
    const store = new MemoryNonceStore(10, now);
    expect(await store.claim('a', 'nonce-000000000001', clock + 5000)).toBe(true);
    expect(await store.claim('a', 'nonce-000000000001', clock + 5000)).toBe(false);
    expect(await store.claim('b', 'nonce-000000000001', clock + 5000)).toBe(true);
    clock += 4000;
    expect(await store.claim('a', 'nonce-000000000001', clock + 5000)).toBe(false);
    clock += 1000;
    expect(await store.claim('a', 'nonce-000000000001', clock + 5000)).toBe(true);
  });

  it('forgets expired nonces, so it stays bounded under steady traffic', async () => {
    const store = new MemoryNonceStore(100, now);
    for (let i = 0; i < 10_000; i++) {
      clock += 100; // 10 requests a second, each remembered for 5 s
      expect(await store.claim('a', `nonce-${i}`, clock + 5000)).toBe(true);
      expect(store.size).toBeLessThanOrEqual(61);
    }
  });

  it('refuses new nonces when full of live ones, rather than forgetting one early', async () => {
    const store = new MemoryNonceStore(3, now);
    for (const n of ['n1', 'n2', 'n3']) await store.claim('a', n, clock + 10_000);
    const full = store.claim('a', 'n4', clock + 10_000);
    await expect(full).rejects.toBeInstanceOf(NonceStoreUnavailableError);
    await expect(full).rejects.toMatchObject({ retryAfterSeconds: 10 });
    // Replays are still recognised while full.
    expect(await store.claim('a', 'n1', clock + 10_000)).toBe(false);
    clock += 10_000;
    expect(await store.claim('a', 'n4', clock + 10_000)).toBe(true);
    expect(store.size).toBe(1);
  });

  it('bounds each key on its own: one key full of live nonces leaves the others room', async () => {
    const store = new MemoryNonceStore(3, now);
    for (const n of ['n1', 'n2', 'n3']) await store.claim('greedy', n, clock + 10_000);
    await expect(store.claim('greedy', 'n4', clock + 10_000)).rejects.toBeInstanceOf(
      NonceStoreUnavailableError,
    );
    for (const n of ['n1', 'n2', 'n3'])
      expect(await store.claim('other', n, clock + 10_000)).toBe(true);
    expect(store.size).toBe(6);
  });
});
