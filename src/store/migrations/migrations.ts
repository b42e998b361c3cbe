import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial';

/**
 * Every migration, in code rather than read from a folder, so the build and ts-node see the same
 * list. Names sort in the order they apply; never rename or edit one that has shipped.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};
