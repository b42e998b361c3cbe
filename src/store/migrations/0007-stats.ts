import type { Kysely } from 'kysely';

/**
 * The operator statistics (GET /v1/stats) read attempts and provider events by time: an hour of
 * attempts, a day of events. Without these, both are full scans of tables that only grow.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Covering: the counts and percentiles read the index alone; only a failure (is there a later
  // call?) and a tenant's filter (whose email?) look further, each by a primary key.
  await db.schema
    .createIndex('attempts_at')
    .on('attempts')
    .columns(['at', 'provider_id', 'outcome', 'duration_ms'])
    .execute();
  await db.schema.createIndex('events_occurred').on('events').column('occurred_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_occurred').execute();
  await db.schema.dropIndex('attempts_at').execute();
}
