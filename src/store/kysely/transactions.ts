import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { StoreTables } from '../store.tables';

export type Db = Kysely<StoreTables>;

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

/** One write transaction on one connection, committed before the promise resolves. */
export function inTransaction<T>(
  db: Db,
  dialect: StoreDialect,
  work: (trx: Db) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql.raw(dialect.beginWrite).execute(conn);
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

/** Runs `work` under a savepoint: when it throws, only its own statements are rolled back. */
export async function savepoint<T>(trx: Db, name: string, work: () => Promise<T>): Promise<T> {
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
