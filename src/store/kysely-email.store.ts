import { type Kysely, Migrator, sql } from 'kysely';
import type { AttemptRecord, EmailRecord, QueueStats } from '../domain/email-record';
import type {
  CreateResult,
  EmailFilter,
  EmailStore,
  IdempotencyClaim,
  NewEmail,
  NonceClaim,
  RoundResult,
} from './email.store';
import { GroupCommit, type GroupCommitStats } from './group-commit';
import { recoverLeasesIn, releaseIn, renewLeases } from './kysely/claims';
import { purgeIdempotencyKeysIn } from './kysely/idempotency';
import { purgeNoncesIn } from './kysely/nonces';
import * as reads from './kysely/reads';
import { toRecord } from './kysely/row-codec';
import { type Db, inTransaction, type StoreDialect } from './kysely/transactions';
import { type WriteOp, type WriteResult, writeBatch } from './kysely/write-batch';
import { migrationProvider } from './migrations/migrations';
import type { StoreTables } from './store.tables';
import { type NewWebhookDelivery, WebhookDeliveryStore } from './webhook-deliveries.store';

// The parts, one job each, under ./kysely/; re-exported where the drivers and tests found them.
export { claimScan } from './kysely/claims';
export { decodeMessage, encodeMessage } from './kysely/row-codec';
export type { StoreDialect } from './kysely/transactions';

/**
 * The store on Kysely, shared by SQLite and PostgreSQL: the one implementation of the EmailStore
 * port. `create`, `finishRound`, `claimDue` and `claimNonce` go through a group commit: one
 * transaction per batch (kysely/write-batch.ts), each batch first written set-wise under a
 * savepoint and, if any statement fails, again item by item so only the failing item fails.
 */
export class KyselyEmailStore implements EmailStore {
  private readonly writes = new GroupCommit<WriteOp, WriteResult>((ops) =>
    this.inTransaction((trx) => writeBatch(trx, this.dialect, ops)),
  );
  private migrator?: Migrator;
  private migrated = false;
  private closed = false;
  private deliveries?: WebhookDeliveryStore;

  constructor(
    protected readonly db: Kysely<StoreTables>,
    private readonly dialect: StoreDialect,
  ) {}

  /** The query layer, for the stores of other tables on the same database (events). */
  get database(): Db {
    return this.db;
  }

  /** Transactions and writes through the group commit since the store opened. */
  get groupCommitStats(): Readonly<GroupCommitStats> {
    return this.writes.stats;
  }

  async migrate(): Promise<void> {
    const { error } = await this.getMigrator().migrateToLatest();
    if (error)
      throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
    this.migrated = true;
  }

  async isMigrated(): Promise<boolean> {
    // Migrations only move forward while the process runs, so a true answer stays true.
    if (!this.migrated) {
      const migrations = await this.getMigrator().getMigrations();
      this.migrated = migrations.every((m) => m.executedAt !== undefined);
    }
    return this.migrated;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  create(
    email: NewEmail,
    idempotency?: IdempotencyClaim,
    nonce?: NonceClaim,
  ): Promise<CreateResult> {
    const claim = nonce && { ...nonce, expiresAt: nonce.expiresAt.getTime() };
    return this.submit({
      kind: 'create',
      email,
      idempotency,
      nonce: claim,
    }) as Promise<CreateResult>;
  }

  finishRound(
    id: string,
    owner: string,
    result: RoundResult,
    attempts: AttemptRecord[],
    now: Date,
    deliveries?: readonly NewWebhookDelivery[],
  ): Promise<boolean> {
    return this.submit({
      kind: 'finish',
      id,
      owner,
      result,
      attempts,
      now,
      deliveries,
    }) as Promise<boolean>;
  }

  /** The webhook deliveries on this store's database and connections. */
  webhookDeliveries(): WebhookDeliveryStore {
    this.deliveries ??= new WebhookDeliveryStore(this.db, this.dialect);
    return this.deliveries;
  }

  get(id: string): Promise<EmailRecord | undefined> {
    return reads.getEmail(this.db, id);
  }

  attempts(id: string): Promise<AttemptRecord[]> {
    return reads.listAttempts(this.db, id);
  }

  list(filter: EmailFilter): Promise<EmailRecord[]> {
    return reads.listEmails(this.db, filter);
  }

  async cancel(id: string, now: Date, tenant?: string): Promise<EmailRecord | undefined> {
    const row = await this.inTransaction((trx) => {
      let update = trx
        .updateTable('emails')
        .set({ status: 'cancelled', updated_at: now.getTime() })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'scheduled']);
      if (tenant !== undefined) update = update.where('tenant', '=', tenant);
      return update.returningAll().executeTakeFirst();
    });
    if (row) return toRecord(row);
    const current = await this.get(id);
    return current && (tenant === undefined || current.tenant === tenant) ? current : undefined;
  }

  claimNonce(keyId: string, nonce: string, expiresAt: Date): Promise<boolean> {
    return this.submit({
      kind: 'nonce',
      keyId,
      nonce,
      expiresAt: expiresAt.getTime(),
    }) as Promise<boolean>;
  }

  purgeNonces(before: Date): Promise<number> {
    return this.inTransaction((trx) => purgeNoncesIn(trx, before));
  }

  /**
   * Through the group commit: a claim shares its transaction (and fsync) with the writes that
   * arrived meanwhile, and sees the emails created in it.
   */
  claimDue(owner: string, now: Date, leaseMs: number, limit: number): Promise<EmailRecord[]> {
    return this.submit({ kind: 'claim', owner, at: now.getTime(), leaseMs, limit }) as Promise<
      EmailRecord[]
    >;
  }

  async release(ids: string[], owner: string, now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.inTransaction((trx) => releaseIn(trx, ids, owner, now));
  }

  async renewLeases(ids: string[], owner: string, until: Date): Promise<number> {
    if (ids.length === 0) return 0;
    return renewLeases((work) => this.inTransaction(work), ids, owner, until);
  }

  recoverLeases(now: Date): Promise<number> {
    return this.inTransaction((trx) => recoverLeasesIn(trx, now));
  }

  queueStats(now: Date): Promise<QueueStats> {
    return reads.queueStats(this.db, this.dialect, now);
  }

  nextDueAt(): Promise<Date | undefined> {
    return reads.nextDueAt(this.db, this.dialect);
  }

  disabledProviders(): Promise<Set<string>> {
    return reads.disabledProviders(this.db);
  }

  async setProviderDisabled(providerId: string, disabled: boolean, now: Date): Promise<void> {
    const row = { provider_id: providerId, disabled: disabled ? 1 : 0, updated_at: now.getTime() };
    await this.inTransaction((trx) =>
      trx
        .insertInto('provider_switches')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('provider_id')
            .doUpdateSet({ disabled: row.disabled, updated_at: row.updated_at }),
        )
        .execute(),
    );
  }

  purgeIdempotencyKeys(before: Date): Promise<number> {
    return this.inTransaction((trx) => purgeIdempotencyKeysIn(trx, before));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.idle();
    await this.deliveries?.idle();
    await this.db.destroy();
  }

  private submit(op: WriteOp): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('the email store is closed'));
    return this.writes.submit(op);
  }

  private getMigrator(): Migrator {
    this.migrator ??= new Migrator({ db: this.db, provider: migrationProvider });
    return this.migrator;
  }

  private inTransaction<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return inTransaction(this.db, this.dialect, work);
  }
}
