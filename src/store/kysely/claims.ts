import type { SelectQueryBuilder } from 'kysely';
import type { EmailRecord } from '../../domain/email-record';
import { DUE, LEASED } from '../claim-predicates';
import type { StoreTables } from '../store.tables';
import { cmp, rowChunks } from './chunks';
import { toRecord } from './row-codec';
import type { Db, StoreDialect } from './transactions';

// Claims and leases: which emails a worker takes, and how it holds, renews and gives them back.

export interface ClaimOp {
  owner: string;
  at: number;
  leaseMs: number;
  limit: number;
}

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

/** Leases up to `limit` emails to `owner`: expired leases first, then due emails; oldest first. */
export async function claimIn(
  trx: Db,
  dialect: StoreDialect,
  { owner, at, leaseMs, limit }: ClaimOp,
): Promise<EmailRecord[]> {
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
      .where('id', 'in', dialect.lockForClaim(ids))
      .returningAll()
      .execute();
  // Expired leases first: those emails were due before anything still queued.
  const expired = await take(claimScan(trx, dialect, 'expired', at, limit));
  const due =
    expired.length >= limit
      ? []
      : await take(claimScan(trx, dialect, 'due', at, limit - expired.length));
  return [
    ...expired.map((row) => ({ ...toRecord(row), leaseRecovered: true })),
    ...due.map(toRecord),
  ].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || cmp(a.id, b.id));
}

/** Gives `owner`'s leased emails back: sending -> queued, due now. */
export async function releaseIn(trx: Db, ids: string[], owner: string, now: Date): Promise<void> {
  await trx
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
    .execute();
}

/** Extends the leases `owner` still holds, a transaction per chunk of ids; answers how many. */
export async function renewLeases(
  inTransaction: <T>(work: (trx: Db) => Promise<T>) => Promise<T>,
  ids: string[],
  owner: string,
  until: Date,
): Promise<number> {
  let renewed = 0;
  for (const chunk of rowChunks(ids)) {
    const result = await inTransaction((trx) =>
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

/** Takes back every leased email, whatever its owner; answers how many. */
export async function recoverLeasesIn(trx: Db, now: Date): Promise<number> {
  const result = await trx
    .updateTable('emails')
    .set({
      status: 'queued',
      due_at: now.getTime(),
      lease_owner: null,
      lease_until: null,
      updated_at: now.getTime(),
    })
    .where(LEASED)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
