import type { Kysely } from 'kysely';

/** Signed requests' nonces, kept until their timestamp leaves the window, seen by every replica. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('nonces')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('nonces_pk', ['key_id', 'nonce'])
    .execute();
  await db.schema.createIndex('nonces_expires').on('nonces').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('nonces').execute();
}
