import { Kysely, PostgresDialect, sql } from 'kysely';
import { type CustomTypesConfig, Pool, types } from 'pg';
import { KyselyEmailStore, type StoreDialect } from '../kysely-email.store';
import type { StoreTables } from '../store.tables';

export interface PostgresStoreOptions {
  /** A libpq connection URL; `?options=-c search_path=...` selects a schema. */
  url: string;
  poolSize: number;
}

/** Times are bigint epoch ms; they fit a JS number exactly, so int8 is parsed as one (for this pool only). */
const int8AsNumber: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8
      ? (value: string) => Number(value)
      : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

const POSTGRES: StoreDialect = {
  beginWrite: 'begin',
  lockForClaim: (query) => query.forUpdate().skipLocked() as typeof query,
  // Kysely looks for its migration tables in every schema unless told which one is ours.
  migrationSchema: async (db) => {
    const { rows } = await sql<{
      schema: string | null;
    }>`select current_schema() as schema`.execute(db);
    const schema = rows[0]?.schema;
    if (!schema) throw new Error('PostgreSQL search_path names no existing schema');
    return schema;
  },
};

/** The store on PostgreSQL through a pg Pool of `poolSize` connections. */
export class PostgresEmailStore extends KyselyEmailStore {
  constructor(options: PostgresStoreOptions) {
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize,
      types: int8AsNumber,
    });
    // An idle connection that drops emits 'error' on the pool; unhandled it would end the process.
    // The next query on it fails and is reported to its caller instead.
    pool.on('error', () => undefined);
    super(new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool }) }), POSTGRES);
  }
}
