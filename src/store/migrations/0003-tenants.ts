import type { Kysely } from 'kysely';

/**
 * The tenant of the key that created each email. Emails stored before this migration have no
 * known creator: they get the empty tenant, which no key has, so only `admin` keys see them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('emails')
    .addColumn('tenant', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // The list's "newest first" within one tenant.
  await db.schema.createIndex('emails_tenant').on('emails').columns(['tenant', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('emails_tenant').execute();
  await db.schema.alterTable('emails').dropColumn('tenant').execute();
}
