import type { Kysely } from 'kysely';

/**
 * The two indexes on what a provider answered (`provider_id`, `provider_message_id`) hold only the
 * emails that have those: an email is stored without them, so every new email added a row to
 * each under NULL that no query reads (the list's provider filter and the event matcher compare
 * with = and IN, which imply IS NOT NULL, so both planners still use them). Two index inserts
 * fewer per accepted email; bench/README.md, "The send's transaction".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('emails_provider').execute();
  await db.schema
    .createIndex('emails_provider')
    .on('emails')
    .columns(['provider_id', 'id'])
    .where('provider_id', 'is not', null)
    .execute();
  await db.schema.dropIndex('emails_provider_message').execute();
  await db.schema
    .createIndex('emails_provider_message')
    .on('emails')
    .columns(['provider_message_id', 'provider_id'])
    .where('provider_message_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('emails_provider_message').execute();
  await db.schema
    .createIndex('emails_provider_message')
    .on('emails')
    .columns(['provider_message_id', 'provider_id'])
    .execute();
  await db.schema.dropIndex('emails_provider').execute();
  await db.schema
    .createIndex('emails_provider')
    .on('emails')
    .columns(['provider_id', 'id'])
    .execute();
}
