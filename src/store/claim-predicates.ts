import { sql } from 'kysely';

/**
 * The conditions of the two partial indexes the worker claims through (emails_due, emails_lease).
 * A query can use a partial index only when its WHERE clause holds the index's condition word for
 * word, with literals: `status in (?, ?)` with bound values matches neither SQLite's nor a
 * generic PostgreSQL plan. The migration and the queries share these, so they cannot drift.
 */
export const DUE = sql<boolean>`status in ('queued', 'scheduled')`;
export const LEASED = sql<boolean>`status = 'sending'`;
