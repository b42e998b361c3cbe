import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { EmailStore } from '../store/email.store';
import { type NonceStore, NonceStoreUnavailableError } from './nonce.store';

/** How often nonces past their window are deleted. */
export const NONCE_PURGE_EVERY_MS = 60_000;

/**
 * Nonces in the store's `nonces` table (SQLite or PostgreSQL): they outlive a restart and every
 * instance on the same database sees them. A claim shares the group commit with the writes that
 * arrived meanwhile, so it costs no fsync of its own; a send's nonce is recorded with its email
 * (recordedWithWrites). Expired rows are deleted periodically.
 */
export class StoreNonceStore implements NonceStore, OnModuleDestroy {
  readonly recordedWithWrites = true;
  private readonly logger = new Logger('StoreNonceStore');
  private readonly purger: NodeJS.Timeout;

  constructor(
    private readonly store: EmailStore,
    private readonly now: () => number = Date.now,
  ) {
    this.purger = setInterval(() => void this.purge(), NONCE_PURGE_EVERY_MS);
    // Must not keep the process (or a test run) alive on its own.
    this.purger.unref();
  }

  async claim(keyId: string, nonce: string, expiresAtMs: number): Promise<boolean> {
    try {
      return await this.store.claimNonce(keyId, nonce, new Date(expiresAtMs));
    } catch (e) {
      this.logger.warn(`replay cache (store) failed: ${(e as Error).message}`);
      throw new NonceStoreUnavailableError('the replay cache is unavailable', 5);
    }
  }

  /** Deletes the nonces whose window has ended; answers how many. */
  async purge(): Promise<number> {
    try {
      return await this.store.purgeNonces(new Date(this.now()));
    } catch (e) {
      this.logger.warn(`purging expired nonces failed: ${(e as Error).message}`);
      return 0;
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.purger);
  }
}
