import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial';
import * as nonces from './0002-nonces';
import * as tenants from './0003-tenants';
import * as events from './0004-events';
import * as webhookDeliveries from './0005-webhook-deliveries';
import * as noncesByTime from './0006-nonces-by-time';
import * as stats from './0007-stats';
import * as sentOnlyIndexes from './0008-sent-only-indexes';

/**
 * Every migration, in code rather than read from a folder, so the build and ts-node see the same
 * list. Names sort in the order they apply; never rename or edit one that has shipped.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-nonces': nonces,
  '0003-tenants': tenants,
  '0004-events': events,
  '0005-webhook-deliveries': webhookDeliveries,
  '0006-nonces-by-time': noncesByTime,
  '0007-stats': stats,
  '0008-sent-only-indexes': sentOnlyIndexes,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};
