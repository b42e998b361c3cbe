import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NonceStoreUnavailableError } from '../../src/auth/nonce.store';
import { NONCE_PURGE_EVERY_MS, StoreNonceStore } from '../../src/auth/store-nonce.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';

/** The server's default replay cache, on a real SQLite file. */
describe('StoreNonceStore', () => {
  let dir: string;
  let store: SqliteEmailStore;
  let clock: number;
  let nonces: StoreNonceStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailover-nonces-'));
    store = new SqliteEmailStore(join(dir, 'mailover.db'));
    await store.migrate();
    clock = Date.UTC(2030, 0, 1);
    nonces = new StoreNonceStore(store, () => clock);
  });

  afterEach(async () => {
    nonces.onModuleDestroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a nonce once per key within its window, and purges it after', async () => {
    expect(await nonces.claim('app', 'nonce-0000000000000001', clock + 300_000)).toBe(true);
    expect(await nonces.claim('app', 'nonce-0000000000000001', clock + 300_000)).toBe(false);
    expect(await nonces.claim('other', 'nonce-0000000000000001', clock + 300_000)).toBe(true);
    expect(await nonces.purge()).toBe(0);
    clock += 300_001;
    expect(await nonces.purge()).toBe(2);
  });

  it('purges on a timer that does not hold the process, until destroyed', () => {
    jest.useFakeTimers();
    try {
      const timed = new StoreNonceStore(store, () => clock);
      const purge = jest.spyOn(timed, 'purge');
      jest.advanceTimersByTime(NONCE_PURGE_EVERY_MS);
      expect(purge).toHaveBeenCalledTimes(1);
      timed.onModuleDestroy();
      jest.advanceTimersByTime(NONCE_PURGE_EVERY_MS * 3);
      expect(purge).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses (503), never lets through, when the store cannot answer', async () => {
    await store.close();
    await expect(
      nonces.claim('app', 'nonce-0000000000000002', clock + 1000),
    ).rejects.toBeInstanceOf(NonceStoreUnavailableError);
  });
});
