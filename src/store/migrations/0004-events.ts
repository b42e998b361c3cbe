import type { Kysely } from 'kysely';

/**
 * Provider events (issue 11): verified webhook deliveries as received (the raw payload, kept
 * `events.rawRetentionDays`), the normalized events, and the suppression list. Emails are found
 * by the provider's message id, so it gets an index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('provider_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .addUniqueConstraint('provider_deliveries_dedupe', ['provider_id', 'dedupe_key'])
    .execute();
  await db.schema
    .createIndex('provider_deliveries_pending')
    .on('provider_deliveries')
    .columns(['processed_at', 'id'])
    .execute();
  await db.schema
    .createIndex('provider_deliveries_received')
    .on('provider_deliveries')
    .column('received_at')
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('email_id', 'text')
    // The matched email's tenant; null for unmatched events (admin keys only).
    .addColumn('tenant', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('bounce', 'text')
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('provider_event_id', 'text')
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('url', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('delivery_id', 'text')
    .addUniqueConstraint('events_dedupe', ['provider_id', 'event_key'])
    .execute();
  await db.schema.createIndex('events_email').on('events').columns(['email_id', 'id']).execute();
  await db.schema.createIndex('events_tenant').on('events').columns(['tenant', 'id']).execute();
  await db.schema.createIndex('events_recipient').on('events').column('recipient').execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('provider_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createIndex('emails_provider_message')
    .on('emails')
    .columns(['provider_message_id', 'provider_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('emails_provider_message').execute();
  await db.schema.dropTable('suppressions').execute();
  await db.schema.dropTable('events').execute();
  await db.schema.dropTable('provider_deliveries').execute();
}
