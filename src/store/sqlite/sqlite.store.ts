import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, sql } from 'kysely';
import { KyselyEmailStore, type StoreDialect } from '../kysely-email.store';
import type { StoreTables } from '../store.tables';

/** Waits this long for another process's write lock (a second instance, a CLI) before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

export const SQLITE: StoreDialect = {
  beginWrite: 'begin immediate',
  // One writer at a time: an UPDATE ... WHERE id IN (SELECT ... LIMIT n) cannot race another.
  lockForClaim: (query) => query,
  emailsVia: (index) => sql`"emails" indexed by ${sql.id(index)}` as unknown as 'emails',
};

/**
 * The embedded default: one SQLite file in WAL mode with synchronous=FULL, so a commit is on disk
 * when it returns. Group commit makes one fsync serve every write that arrived meanwhile.
 */
export class SqliteEmailStore extends KyselyEmailStore {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Created private before SQLite opens it (SQLite would follow the umask); SQLite gives the
    // -wal and -shm files the database file's mode.
    closeSync(openSync(file, 'a', 0o600));
    const database = new Database(file);
    try {
      database.pragma('journal_mode = WAL');
      for (const path of [file, `${file}-wal`, `${file}-shm`]) privateFile(path);
      database.pragma('synchronous = FULL');
      database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      database.pragma('foreign_keys = ON');
    } catch (error) {
      database.close();
      throw error;
    }
    super(
      new Kysely<StoreTables>({
        dialect: new SqliteDialect({ database: withStatementCache(database) }),
      }),
      SQLITE,
    );
  }
}

/** Mode 0600 for a file of ours that exists (an older Mailover may have left it readable). */
function privateFile(path: string): void {
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query afresh; the hot queries have a handful of shapes,
 * so prepared statements are kept by their SQL text (oldest dropped first).
 */
function withStatementCache(database: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        statements.set(sql, statement);
        if (statements.size > STATEMENT_CACHE_SIZE)
          statements.delete(statements.keys().next().value!);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
