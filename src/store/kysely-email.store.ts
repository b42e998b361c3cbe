import {
  type Insertable,
  type Kysely,
  Migrator,
  type Selectable,
  type SelectQueryBuilder,
  sql,
} from 'kysely';
import type { Attachment, OutboundEmail } from '../domain/email';
import { allRecipients } from '../domain/email';
import type {
  AttemptRecord,
  CreateResult,
  EmailFilter,
  EmailRecord,
  EmailStore,
  IdempotencyClaim,
  NewEmail,
  QueueStats,
  RoundResult,
} from './email.store';
import { DUE, LEASED } from './claim-predicates';
import { GroupCommit, type GroupCommitStats, type Settled } from './group-commit';
import { migrationProvider } from './migrations/migrations';
import type { EmailsTable, IdempotencyKeysTable, StoreTables } from './store.tables';
import {
  insertWebhookDeliveries,
  type NewWebhookDelivery,
  WebhookDeliveryStore,
} from './webhook-deliveries.store';

type Db = Kysely<StoreTables>;
type EmailRow = Selectable<EmailsTable>;

/** What differs between SQLite and PostgreSQL; everything else is one query layer. */
export interface StoreDialect {
  /** Opens a write transaction. SQLite takes the write lock up front so a read never has to upgrade. */
  readonly beginWrite: string;
  /** Makes concurrent claimers skip each other's rows (PostgreSQL: FOR UPDATE SKIP LOCKED). */
  lockForClaim<Q extends SelectQueryBuilder<StoreTables, keyof StoreTables, { id: string }>>(
    query: Q,
  ): Q;
  /**
   * The emails table, read through one of the claim's partial indexes. SQLite's planner, without
   * statistics, prefers emails_status and sorts the whole backlog on every claim (O(backlog));
   * SQLite names the index (INDEXED BY). PostgreSQL plans from its statistics.
   */
  emailsVia(index: 'emails_due' | 'emails_lease'): 'emails';
}

type WriteOp =
  | { kind: 'create'; email: NewEmail; idempotency?: IdempotencyClaim }
  | {
      kind: 'finish';
      id: string;
      owner: string;
      result: RoundResult;
      attempts: AttemptRecord[];
      now: Date;
      deliveries?: readonly NewWebhookDelivery[];
    }
  | ClaimOp
  | NonceOp;
type NonceOp = { kind: 'nonce'; keyId: string; nonce: string; expiresAt: number; now: number };
type ClaimOp = { kind: 'claim'; owner: string; at: number; leaseMs: number; limit: number };
type WriteResult = CreateResult | boolean | EmailRecord[];

/**
 * The ids a claim takes, oldest first: emails whose lease expired before `at` (`expired`), or
 * queued and scheduled emails due by `at` (`due`). Each is a range scan of its partial index.
 */
export function claimScan(
  db: Db,
  dialect: StoreDialect,
  which: 'due' | 'expired',
  at: number,
  limit: number,
): SelectQueryBuilder<StoreTables, 'emails', { id: string }> {
  return which === 'due'
    ? db
        .selectFrom(dialect.emailsVia('emails_due'))
        .select('id')
        .where(DUE)
        .where('due_at', '<=', at)
        .orderBy('due_at')
        .limit(limit)
    : db
        .selectFrom(dialect.emailsVia('emails_lease'))
        .select('id')
        .where(LEASED)
        .where('lease_until', '<', at)
        .orderBy('lease_until')
        .limit(limit);
}

/** Rows per multi-row INSERT, well under both dialects' bound-parameter limits. */
const ROWS_PER_INSERT = 1000;
/** Message bytes per multi-row INSERT into emails, so large attachments do not make one huge statement. */
const BYTES_PER_INSERT = 16 * 1024 * 1024;

/**
 * The store on Kysely, shared by SQLite and PostgreSQL. `create`, `finishRound` and `claimDue` go through a
 * group commit: one transaction per batch, each batch first written set-wise under a savepoint and,
 * if any statement fails, again item by item under savepoints so only the failing item fails.
 */
export class KyselyEmailStore implements EmailStore {
  private readonly writes = new GroupCommit<WriteOp, WriteResult>((ops) => this.commitBatch(ops));
  private migrator?: Migrator;
  private migrated = false;
  private closed = false;
  private deliveries?: WebhookDeliveryStore;

  constructor(
    protected readonly db: Db,
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

  create(email: NewEmail, idempotency?: IdempotencyClaim): Promise<CreateResult> {
    return this.submit({ kind: 'create', email, idempotency }) as Promise<CreateResult>;
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

  async get(id: string): Promise<EmailRecord | undefined> {
    const row = await this.db
      .selectFrom('emails')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async attempts(id: string): Promise<AttemptRecord[]> {
    const rows = await this.db
      .selectFrom('attempts')
      .selectAll()
      .where('email_id', '=', id)
      .orderBy('round')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      emailId: r.email_id,
      providerId: r.provider_id,
      outcome: r.outcome,
      providerStatus: r.provider_status,
      errorCode: r.error_code,
      error: r.error,
      durationMs: r.duration_ms,
      at: new Date(r.at),
    }));
  }

  async list(filter: EmailFilter): Promise<EmailRecord[]> {
    let query = this.db.selectFrom('emails').selectAll();
    if (filter.tenant !== undefined) query = query.where('tenant', '=', filter.tenant);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.provider) query = query.where('provider_id', '=', filter.provider);
    if (filter.since) query = query.where('created_at', '>=', filter.since.getTime());
    if (filter.until) query = query.where('created_at', '<', filter.until.getTime());
    if (filter.before) query = query.where('id', '<', filter.before);
    if (filter.recipient) {
      const address = filter.recipient.toLowerCase();
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('email_recipients').select('email_id').where('address', '=', address),
      );
    }
    if (filter.tag) {
      const tag = filter.tag;
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('email_tags').select('email_id').where('tag', '=', tag),
      );
    }
    const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(toRecord);
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

  claimNonce(keyId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean> {
    return this.submit({
      kind: 'nonce',
      keyId,
      nonce,
      expiresAt: expiresAt.getTime(),
      now: now.getTime(),
    }) as Promise<boolean>;
  }

  async purgeNonces(before: Date): Promise<number> {
    const result = await this.inTransaction((trx) =>
      trx.deleteFrom('nonces').where('expires_at', '<', before.getTime()).executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
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
    await this.inTransaction((trx) =>
      trx
        .updateTable('emails')
        .set({
          status: 'queued',
          due_at: now.getTime(),
          lease_owner: null,
          lease_until: null,
          updated_at: now.getTime(),
        })
        .where('id', 'in', ids)
        .where('status', '=', 'sending')
        .where('lease_owner', '=', owner)
        .execute(),
    );
  }

  async renewLeases(ids: string[], owner: string, until: Date): Promise<number> {
    if (ids.length === 0) return 0;
    let renewed = 0;
    for (const chunk of chunks(ids, () => 1, ROWS_PER_INSERT, Infinity)) {
      const result = await this.inTransaction((trx) =>
        trx
          .updateTable('emails')
          .set({ lease_until: until.getTime() })
          .where('id', 'in', chunk)
          .where('status', '=', 'sending')
          .where('lease_owner', '=', owner)
          .executeTakeFirst(),
      );
      renewed += Number(result.numUpdatedRows);
    }
    return renewed;
  }

  async recoverLeases(now: Date): Promise<number> {
    const result = await this.inTransaction((trx) =>
      trx
        .updateTable('emails')
        .set({
          status: 'queued',
          due_at: now.getTime(),
          lease_owner: null,
          lease_until: null,
          updated_at: now.getTime(),
        })
        .where(LEASED)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows);
  }

  async queueStats(now: Date): Promise<QueueStats> {
    const counts: QueueStats['counts'] = { queued: 0, scheduled: 0, sending: 0 };
    const rows = await this.db
      .selectFrom('emails')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .where('status', 'in', ['queued', 'scheduled', 'sending'])
      .groupBy('status')
      .execute();
    for (const r of rows) counts[r.status as keyof QueueStats['counts']] = Number(r.n);
    const oldest = await this.db
      .selectFrom(this.dialect.emailsVia('emails_due'))
      .select((eb) => eb.fn.min('due_at').as('at'))
      .where(DUE)
      .where('due_at', '<=', now.getTime())
      .executeTakeFirst();
    const at = oldest?.at;
    return {
      counts,
      oldestDueAt: at === null || at === undefined ? undefined : new Date(Number(at)),
    };
  }

  async nextDueAt(): Promise<Date | undefined> {
    const row = await this.db
      .selectFrom(this.dialect.emailsVia('emails_due'))
      .select((eb) => eb.fn.min('due_at').as('next'))
      .where(DUE)
      .executeTakeFirst();
    return row?.next === null || row?.next === undefined ? undefined : new Date(Number(row.next));
  }

  async disabledProviders(): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('provider_switches')
      .select('provider_id')
      .where('disabled', '=', 1)
      .execute();
    return new Set(rows.map((r) => r.provider_id));
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

  async purgeIdempotencyKeys(before: Date): Promise<number> {
    const result = await this.inTransaction((trx) =>
      trx
        .deleteFrom('idempotency_keys')
        .where('created_at', '<', before.getTime())
        .executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
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

  /** One write transaction on one connection, committed before the promise resolves. */
  private inTransaction<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql.raw(this.dialect.beginWrite).execute(conn);
      let result: T;
      try {
        result = await work(conn);
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
      try {
        await sql`commit`.execute(conn);
      } catch (error) {
        // SQLite keeps the transaction open when COMMIT fails (SQLITE_BUSY); PostgreSQL has ended it.
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
      return result;
    });
  }

  private commitBatch(ops: WriteOp[]): Promise<Array<Settled<WriteResult>>> {
    return this.inTransaction(async (trx) => {
      if (ops.length === 1) return [{ ok: true, value: (await this.applyWrites(trx, ops))[0] }];
      try {
        const values = await savepoint(trx, 'batch', () => this.applyWrites(trx, ops));
        return values.map((value) => ({ ok: true, value }));
      } catch {
        const settled: Array<Settled<WriteResult>> = [];
        for (const op of ops) {
          try {
            const [value] = await savepoint(trx, 'item', () => this.applyWrites(trx, [op]));
            settled.push({ ok: true, value });
          } catch (error) {
            settled.push({ ok: false, error });
          }
        }
        return settled;
      }
    });
  }

  /** Applies the writes set-wise inside the caller's transaction; answers one result per op. */
  private async applyWrites(trx: Db, ops: WriteOp[]): Promise<WriteResult[]> {
    const results: WriteResult[] = new Array<WriteResult>(ops.length);
    const creates: Array<{ index: number; email: NewEmail; idempotency?: IdempotencyClaim }> = [];
    const finishes: Array<Extract<WriteOp, { kind: 'finish' }> & { index: number }> = [];
    const claims: Array<ClaimOp & { index: number }> = [];
    const nonces: Array<NonceOp & { index: number }> = [];
    ops.forEach((op, index) => {
      if (op.kind === 'create') creates.push({ ...op, index });
      else if (op.kind === 'finish') finishes.push({ ...op, index });
      else if (op.kind === 'nonce') nonces.push({ ...op, index });
      else claims.push({ ...op, index });
    });
    if (nonces.length > 0) await this.claimNonces(trx, nonces, results);

    // Idempotency: the first insert of a (scope, key) wins; the others read the winner's row.
    const keyed = creates.filter((c) => c.idempotency);
    const losers = new Set<number>();
    if (keyed.length > 0) {
      const rows: Array<Insertable<IdempotencyKeysTable>> = keyed.map(({ email, idempotency }) => ({
        scope: idempotency!.scope,
        key: idempotency!.key,
        request_hash: idempotency!.requestHash,
        email_id: email.id,
        original_status: email.status,
        created_at: email.createdAt.getTime(),
      }));
      // A stable order of keys across concurrent batches avoids lock-order deadlocks on PostgreSQL.
      rows.sort((a, b) => cmp(a.scope, b.scope) || cmp(a.key, b.key));
      const won = new Set<string>();
      for (const chunk of chunks(rows, () => 1, ROWS_PER_INSERT, Infinity)) {
        const inserted = await trx
          .insertInto('idempotency_keys')
          .values(chunk)
          .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
          .returning(['scope', 'key', 'email_id'])
          .execute();
        for (const r of inserted) won.add(keyOf(r.scope, r.key, r.email_id));
      }
      for (const c of keyed) {
        if (!won.has(keyOf(c.idempotency!.scope, c.idempotency!.key, c.email.id)))
          losers.add(c.index);
      }
    }

    const fresh = creates.filter((c) => !losers.has(c.index));
    await this.insertEmails(
      trx,
      fresh.map((c) => c.email),
    );
    for (const c of fresh) results[c.index] = { kind: 'created', email: newRecord(c.email) };

    if (losers.size > 0)
      await this.answerRepeats(
        trx,
        creates.filter((c) => losers.has(c.index)),
        results,
      );

    finishes.sort((a, b) => cmp(a.id, b.id));
    const attemptRows: Array<Insertable<StoreTables['attempts']>> = [];
    const deliveries: NewWebhookDelivery[] = [];
    for (const f of finishes) {
      const round = await this.finishOne(trx, f);
      results[f.index] = round !== undefined;
      if (round === undefined) continue;
      deliveries.push(...(f.deliveries ?? []));
      f.attempts.forEach((a, seq) =>
        attemptRows.push({
          email_id: f.id,
          round,
          seq,
          provider_id: a.providerId,
          outcome: a.outcome,
          provider_status: a.providerStatus,
          error_code: a.errorCode,
          error: a.error,
          duration_ms: Math.round(a.durationMs),
          at: a.at.getTime(),
        }),
      );
    }
    for (const chunk of chunks(attemptRows, () => 1, ROWS_PER_INSERT, Infinity)) {
      await trx.insertInto('attempts').values(chunk).execute();
    }
    // The round's webhooks commit with its result: a stored result always has its deliveries.
    for (const chunk of chunks(
      deliveries,
      (d) => d.payload.length,
      ROWS_PER_INSERT,
      BYTES_PER_INSERT,
    ))
      await insertWebhookDeliveries(trx, chunk);
    // Last, so a claim sees what this batch created and finished.
    for (const c of claims) results[c.index] = await this.claimIn(trx, c);
    return results;
  }

  /**
   * Inserts the nonces set-wise; a row already there counts as taken unless it has expired (then
   * it is taken over). Within one batch, the first op of a pair wins.
   */
  private async claimNonces(
    trx: Db,
    ops: Array<NonceOp & { index: number }>,
    results: WriteResult[],
  ): Promise<void> {
    const first = new Map<string, NonceOp & { index: number }>();
    for (const op of ops) {
      const id = keyOf(op.keyId, op.nonce);
      if (first.has(id)) results[op.index] = false;
      else first.set(id, op);
    }
    // A stable order across concurrent batches avoids lock-order deadlocks on PostgreSQL.
    const rows = [...first.values()].sort((a, b) => cmp(a.keyId, b.keyId) || cmp(a.nonce, b.nonce));
    const now = Math.min(...rows.map((r) => r.now));
    const won = new Set<string>();
    for (const chunk of chunks(rows, () => 1, ROWS_PER_INSERT, Infinity)) {
      const inserted = await trx
        .insertInto('nonces')
        .values(chunk.map((r) => ({ key_id: r.keyId, nonce: r.nonce, expires_at: r.expiresAt })))
        .onConflict((oc) =>
          oc
            .columns(['key_id', 'nonce'])
            .doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') }))
            .where('nonces.expires_at', '<=', now),
        )
        .returning(['key_id', 'nonce'])
        .execute();
      for (const r of inserted) won.add(keyOf(r.key_id, r.nonce));
    }
    for (const [id, op] of first) results[op.index] = won.has(id);
  }

  /** Leases up to `limit` emails to `owner`: expired leases first, then due emails; oldest first. */
  private async claimIn(trx: Db, { owner, at, leaseMs, limit }: ClaimOp): Promise<EmailRecord[]> {
    const take = (ids: SelectQueryBuilder<StoreTables, 'emails', { id: string }>) =>
      trx
        .updateTable('emails')
        .set((eb) => ({
          status: 'sending',
          lease_owner: owner,
          lease_until: at + leaseMs,
          rounds: eb('rounds', '+', 1),
          updated_at: at,
        }))
        .where('id', 'in', this.dialect.lockForClaim(ids))
        .returningAll()
        .execute();
    // Expired leases first: those emails were due before anything still queued.
    const expired = await take(claimScan(trx, this.dialect, 'expired', at, limit));
    const due =
      expired.length >= limit
        ? []
        : await take(claimScan(trx, this.dialect, 'due', at, limit - expired.length));
    return [
      ...expired.map((row) => ({ ...toRecord(row), leaseRecovered: true })),
      ...due.map(toRecord),
    ].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || cmp(a.id, b.id));
  }

  private async insertEmails(trx: Db, emails: NewEmail[]): Promise<void> {
    if (emails.length === 0) return;
    const rows: Array<Insertable<EmailsTable>> = emails.map((e) => ({
      id: e.id,
      tenant: e.tenant,
      status: e.lease ? 'sending' : e.status,
      message: encodeMessage(e.message),
      providers: e.providers === null ? null : JSON.stringify(e.providers),
      send_at: e.sendAt?.getTime() ?? null,
      due_at: e.dueAt.getTime(),
      created_at: e.createdAt.getTime(),
      updated_at: e.createdAt.getTime(),
      rounds: e.lease ? 1 : 0,
      provider_id: null,
      provider_message_id: null,
      last_error: null,
      lease_owner: e.lease?.owner ?? null,
      lease_until: e.lease?.until.getTime() ?? null,
    }));
    for (const chunk of chunks(rows, (r) => r.message.length, ROWS_PER_INSERT, BYTES_PER_INSERT)) {
      await trx.insertInto('emails').values(chunk).execute();
    }
    const recipients = emails.flatMap((e) =>
      [...new Set(allRecipients(e.message).map((a) => a.email.toLowerCase()))].map((address) => ({
        address,
        email_id: e.id,
      })),
    );
    for (const chunk of chunks(recipients, () => 1, ROWS_PER_INSERT, Infinity)) {
      await trx.insertInto('email_recipients').values(chunk).execute();
    }
    const tags = emails.flatMap((e) =>
      [...new Set(e.message.tags)].map((tag) => ({ tag, email_id: e.id })),
    );
    for (const chunk of chunks(tags, () => 1, ROWS_PER_INSERT, Infinity)) {
      await trx.insertInto('email_tags').values(chunk).execute();
    }
  }

  /** Creates whose key was already taken: a replay of the first email, or a mismatch. */
  private async answerRepeats(
    trx: Db,
    repeats: Array<{ index: number; idempotency?: IdempotencyClaim }>,
    results: WriteResult[],
  ): Promise<void> {
    const keys = await trx
      .selectFrom('idempotency_keys')
      .selectAll()
      .where((eb) =>
        eb.or(
          repeats.map(({ idempotency }) =>
            eb.and([eb('scope', '=', idempotency!.scope), eb('key', '=', idempotency!.key)]),
          ),
        ),
      )
      .execute();
    const byKey = new Map(keys.map((k) => [keyOf(k.scope, k.key), k]));
    const wanted = [
      ...new Set(
        repeats.flatMap(({ idempotency }) => {
          const key = byKey.get(keyOf(idempotency!.scope, idempotency!.key));
          return key && key.request_hash === idempotency!.requestHash ? [key.email_id] : [];
        }),
      ),
    ];
    const emails = wanted.length
      ? await trx.selectFrom('emails').selectAll().where('id', 'in', wanted).execute()
      : [];
    const emailById = new Map(emails.map((e) => [e.id, e]));
    for (const r of repeats) {
      const claim = r.idempotency!;
      const key = byKey.get(keyOf(claim.scope, claim.key));
      // Purged by another process between our insert and this read: rare; the caller may retry.
      if (!key) throw new Error(`idempotency key ${claim.key} vanished while being read`);
      if (key.request_hash !== claim.requestHash) {
        results[r.index] = { kind: 'mismatch' };
        continue;
      }
      const email = emailById.get(key.email_id);
      if (!email)
        throw new Error(`idempotency key ${claim.key} names a missing email ${key.email_id}`);
      results[r.index] = {
        kind: 'replayed',
        email: toRecord(email),
        originalStatus: key.original_status,
      };
    }
  }

  /** Ends one round if `owner` still holds the lease; answers the round number, or undefined. */
  private async finishOne(
    trx: Db,
    f: { id: string; owner: string; result: RoundResult; now: Date },
  ): Promise<number | undefined> {
    const result = f.result;
    const outcome =
      result.status === 'sent'
        ? {
            status: 'sent' as const,
            provider_id: result.providerId,
            provider_message_id: result.providerMessageId,
            last_error: null,
          }
        : result.status === 'failed'
          ? { status: 'failed' as const, last_error: result.error }
          : { status: 'queued' as const, due_at: result.dueAt.getTime(), last_error: result.error };
    const row = await trx
      .updateTable('emails')
      .set({ ...outcome, lease_owner: null, lease_until: null, updated_at: f.now.getTime() })
      .where('id', '=', f.id)
      .where('status', '=', 'sending')
      .where('lease_owner', '=', f.owner)
      .returning('rounds')
      .executeTakeFirst();
    return row?.rounds;
  }
}

async function savepoint<T>(trx: Db, name: string, work: () => Promise<T>): Promise<T> {
  await sql.raw(`savepoint ${name}`).execute(trx);
  try {
    const result = await work();
    await sql.raw(`release savepoint ${name}`).execute(trx);
    return result;
  } catch (error) {
    await sql.raw(`rollback to savepoint ${name}`).execute(trx);
    await sql.raw(`release savepoint ${name}`).execute(trx);
    throw error;
  }
}

/** Splits rows into runs of at most `maxRows` rows and (past the first row) `maxWeight` weight. */
function* chunks<T>(
  rows: T[],
  weigh: (row: T) => number,
  maxRows: number,
  maxWeight: number,
): Generator<T[]> {
  let chunk: T[] = [];
  let weight = 0;
  for (const row of rows) {
    const w = weigh(row);
    if (chunk.length > 0 && (chunk.length >= maxRows || weight + w > maxWeight)) {
      yield chunk;
      chunk = [];
      weight = 0;
    }
    chunk.push(row);
    weight += w;
  }
  if (chunk.length > 0) yield chunk;
}

function keyOf(...parts: string[]): string {
  return JSON.stringify(parts);
}

/** Byte-wise (code unit) order, as the database compares ids. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type StoredAttachment = Omit<Attachment, 'content'> & { content: string };

export function encodeMessage(message: OutboundEmail): string {
  const attachments: StoredAttachment[] = message.attachments.map((a) => ({
    ...a,
    content: a.content.toString('base64'),
  }));
  return JSON.stringify({ ...message, attachments });
}

export function decodeMessage(json: string): OutboundEmail {
  const stored = JSON.parse(json) as Omit<OutboundEmail, 'attachments'> & {
    attachments: StoredAttachment[];
  };
  return {
    ...stored,
    attachments: stored.attachments.map((a) => ({
      ...a,
      content: Buffer.from(a.content, 'base64'),
    })),
  };
}

function newRecord(e: NewEmail): EmailRecord {
  return {
    id: e.id,
    tenant: e.tenant,
    status: e.lease ? 'sending' : e.status,
    message: e.message,
    providers: e.providers,
    sendAt: e.sendAt,
    dueAt: e.dueAt,
    createdAt: e.createdAt,
    updatedAt: e.createdAt,
    rounds: e.lease ? 1 : 0,
    providerId: null,
    providerMessageId: null,
    lastError: null,
  };
}

function toRecord(row: EmailRow): EmailRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    status: row.status,
    message: decodeMessage(row.message),
    providers: row.providers === null ? null : (JSON.parse(row.providers) as string[]),
    sendAt: row.send_at === null ? null : new Date(row.send_at),
    dueAt: new Date(row.due_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    rounds: row.rounds,
    providerId: row.provider_id,
    providerMessageId: row.provider_message_id,
    lastError: row.last_error,
  };
}
