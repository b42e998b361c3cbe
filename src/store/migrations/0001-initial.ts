import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { DUE, LEASED } from '../claim-predicates';

/**
 * Ids are ULIDs compared byte-wise (newest first, cursors); on PostgreSQL that needs the C
 * collation whatever the database's default. SQLite compares text byte-wise already.
 */
function idType(db: Kysely<unknown>) {
  return db.getExecutor().adapter instanceof PostgresAdapter ? sql`text collate "C"` : sql`text`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const id = idType(db);

  await db.schema
    .createTable('emails')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('providers', 'text')
    .addColumn('send_at', 'bigint')
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('rounds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('provider_id', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .execute();
  // The worker's two claim queries, each an ordered range scan of a small partial index.
  await db.schema.createIndex('emails_due').on('emails').column('due_at').where(DUE).execute();
  await db.schema
    .createIndex('emails_lease')
    .on('emails')
    .column('lease_until')
    .where(LEASED)
    .execute();
  // The list filters, each ending in id so "newest first" reads the index in order.
  await db.schema.createIndex('emails_status').on('emails').columns(['status', 'id']).execute();
  await db.schema
    .createIndex('emails_provider')
    .on('emails')
    .columns(['provider_id', 'id'])
    .execute();
  await db.schema.createIndex('emails_created').on('emails').column('created_at').execute();

  await db.schema
    .createTable('email_recipients')
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('email_id', id, (c) => c.notNull().references('emails.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('email_recipients_pk', ['address', 'email_id'])
    .execute();

  await db.schema
    .createTable('email_tags')
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('email_id', id, (c) => c.notNull().references('emails.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('email_tags_pk', ['tag', 'email_id'])
    .execute();

  await db.schema
    .createTable('attempts')
    .addColumn('email_id', id, (c) => c.notNull().references('emails.id').onDelete('cascade'))
    .addColumn('round', 'integer', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('provider_status', 'integer')
    .addColumn('error_code', 'text')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('attempts_pk', ['email_id', 'round', 'seq'])
    .execute();

  // No foreign key to emails: the key row is written before the email in the same transaction.
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('email_id', id, (c) => c.notNull())
    .addColumn('original_status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_created')
    .on('idempotency_keys')
    .column('created_at')
    .execute();

  await db.schema
    .createTable('provider_switches')
    .addColumn('provider_id', 'text', (c) => c.primaryKey())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'provider_switches',
    'idempotency_keys',
    'attempts',
    'email_tags',
    'email_recipients',
    'emails',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
