import { type Kysely, SqliteAdapter, sql } from 'kysely';

/**
 * Nonces keyed by their expiry first: (expires_at, key_id, nonce). The expiry comes from the
 * signed timestamp, so the same signed request always lands on the same row, and rows arrive in
 * time order: an insert touches the last pages of one B-tree instead of a random page of the
 * (key_id, nonce) index per request, and purging expired rows is a range at the front. On SQLite
 * the table is WITHOUT ROWID (the primary key is the table). Measured in bench/README.md
 * ("The replay cache"). The rows of 0002's table are carried over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('nonces_by_time')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('nonces_by_time_pk', ['expires_at', 'key_id', 'nonce'])
    .$call((t) => (sqlite ? t.modifyEnd(sql`without rowid`) : t))
    .execute();
  await sql`insert into nonces_by_time (expires_at, key_id, nonce)
    select expires_at, key_id, nonce from nonces`.execute(db);
  await db.schema.dropTable('nonces').execute();
  await db.schema.alterTable('nonces_by_time').renameTo('nonces').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('nonces').execute();
  await db.schema
    .createTable('nonces')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('nonces_pk', ['key_id', 'nonce'])
    .execute();
  await db.schema.createIndex('nonces_expires').on('nonces').column('expires_at').execute();
}
