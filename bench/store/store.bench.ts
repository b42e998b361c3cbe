/**
 * Store write throughput: creates per second with 1 and with 200 concurrent callers, on SQLite
 * (WAL, synchronous=FULL, a file under the OS temp dir) and PostgreSQL (a throw-away schema).
 *
 *   npx ts-node --transpile-only bench/store/store.bench.ts
 *
 * MAILOVER_BENCH_SECONDS (default 5) per run; MAILOVER_TEST_POSTGRES_URL as for the tests;
 * MAILOVER_BENCH_DRIVERS=sqlite,postgres to choose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { newId } from '../../src/domain/id';
import type { NewEmail } from '../../src/store/email.store';
import type { KyselyEmailStore } from '../../src/store/kysely-email.store';
import { PostgresEmailStore } from '../../src/store/postgres/postgres.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';

const SECONDS = Number(process.env.MAILOVER_BENCH_SECONDS || 5);
const POSTGRES_URL =
  process.env.MAILOVER_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const DRIVERS = (process.env.MAILOVER_BENCH_DRIVERS || 'sqlite,postgres').split(',');
const CALLERS = [1, 200];

/** A typical transactional email: three recipients, two tags, ~2 KB of body, no attachment. */
function email(): NewEmail {
  const now = new Date();
  const id = newId(now.getTime());
  return {
    id,
    tenant: 'bench',
    message: {
      id,
      from: { email: 'billing@acme.test', name: 'Acme Billing' },
      to: [{ email: `customer-${id.slice(-6)}@example.com`, name: 'A Customer' }],
      cc: [{ email: 'accounts@example.com' }],
      bcc: [{ email: 'archive@acme.test' }],
      subject: `Your invoice ${id}`,
      html: `<p>${'Thank you for your order. '.repeat(40)}</p>`,
      text: 'Thank you for your order. '.repeat(40),
      headers: { 'X-Campaign': 'invoices' },
      attachments: [],
      tags: ['invoice', 'billing'],
      metadata: { customer: id.slice(-8) },
    },
    providers: null,
    sendAt: null,
    dueAt: now,
    status: 'queued',
    createdAt: now,
  };
}

interface Run {
  callers: number;
  creates: number;
  seconds: number;
  transactions: number;
}

async function run(store: KyselyEmailStore, callers: number): Promise<Run> {
  const before = { ...store.groupCommitStats };
  const started = performance.now();
  const end = started + SECONDS * 1000;
  let creates = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await store.create(email());
        creates++;
      }
    }),
  );
  return {
    callers,
    creates,
    seconds: (performance.now() - started) / 1000,
    transactions: store.groupCommitStats.transactions - before.transactions,
  };
}

async function bench(driver: string, store: KyselyEmailStore): Promise<void> {
  await store.migrate();
  await Promise.all(Array.from({ length: 50 }, () => store.create(email()))); // warm up
  for (const callers of CALLERS) {
    const r = await run(store, callers);
    const rate = Math.round(r.creates / r.seconds);
    const batch = (r.creates / Math.max(1, r.transactions)).toFixed(1);
    console.log(
      `${driver.padEnd(9)} ${String(callers).padStart(7)} ${String(r.creates).padStart(8)} ${String(rate).padStart(10)} ${String(r.transactions).padStart(13)} ${batch.padStart(11)}`,
    );
  }
  await store.close();
}

async function main(): Promise<void> {
  console.log(`store.create throughput, ${SECONDS} s per run`);
  console.log('driver    callers  creates  creates/s  transactions  mean batch');
  if (DRIVERS.includes('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'mailover-bench-'));
    try {
      await bench('sqlite', new SqliteEmailStore(join(dir, 'bench.db')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (DRIVERS.includes('postgres')) {
    const schema = `store_bench_${process.pid}`;
    const admin = new Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    try {
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      await bench('postgres', new PostgresEmailStore({ url: url.toString(), poolSize: 10 }));
    } finally {
      await admin.query(`drop schema "${schema}" cascade`);
      await admin.end();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
