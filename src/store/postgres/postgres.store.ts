import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  Kysely,
  PostgresDialect,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';
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
  emailsVia: () => 'emails',
};

/**
 * Kysely's Migrator asks the introspector whether its bookkeeping tables exist. The stock
 * PostgreSQL introspector reads every table of every schema (slow on a shared database, and it
 * fails when another schema is dropped meanwhile) and would find another schema's tables; this one
 * reads only the schema the store writes to, the first of its search_path.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } =
      await sql<SchemaMetadata>`select nspname as name from pg_catalog.pg_namespace`.execute(
        this.db,
      );
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; isView: boolean }>`
      select c.relname as name, n.nspname as schema, c.relkind = 'v' as "isView"
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(this.db);
    return rows.map((r) => ({ ...r, columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

class StorePostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

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
    super(new Kysely<StoreTables>({ dialect: new StorePostgresDialect({ pool }) }), POSTGRES);
  }
}
