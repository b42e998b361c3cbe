import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Makes better-sqlite3 throw this test file's SqliteError, an `Error` of this file's realm, as in
 * production. Jest gives each test file its own realm (globals, `Error` included) and module
 * registry, but loads a native addon once per worker process, and better-sqlite3 hands the addon
 * its SqliteError constructor only on the first open in that process. After an earlier file in the
 * same worker opened SQLite (an e2e suite's in-process app), every SqliteError here would derive
 * from that file's `Error`: not `instanceof Error`, so `rejects.toThrow()` reports "did not throw".
 * See WiseLibs/better-sqlite3#162 and #1159, jestjs/jest#15024.
 */
function adoptSqliteErrors(): void {
  // The addon exactly as better-sqlite3 loads it (lib/database.js): the same object, cached per process.
  const root = dirname(require.resolve('better-sqlite3/package.json'));
  const bindings = jest.requireActual<
    (opts: { bindings: string; module_root: string }) => {
      setErrorConstructor(ctor: typeof Database.SqliteError): void;
    }
  >(require.resolve('bindings', { paths: [root] }));
  bindings({ bindings: 'better_sqlite3.node', module_root: root }).setErrorConstructor(
    Database.SqliteError,
  );
}

// jest setupFilesAfterEnv: every test file (store contract, in-process e2e apps) gets its own.
beforeAll(adoptSqliteErrors);
