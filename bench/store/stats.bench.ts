/**
 * GET /v1/stats' queries (src/store/stats.store.ts) on a store of 100,000 emails with their
 * attempts and some provider events, on SQLite (WAL, a file under the OS temp dir) and
 * PostgreSQL (a throw-away schema, analyzed as autovacuum would):
 *
 *   npx ts-node --transpile-only bench/store/stats.bench.ts
 *
 * Two layouts: the emails spread over the last 24 hours, and all of them in the last hour (a
 * burst: the hour's query reads every row). Each figure is the median of 7 runs of the three
 * queries the route makes at once (per-minute buckets, latency, delivery counts), for an admin
 * key (every tenant) and a tenant's key (one of 10). MAILOVER_BENCH_DRIVERS=sqlite,postgres;
 * MAILOVER_BENCH_EMAILS (default 100000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Insertable, sql } from 'kysely';
import { newId } from '../../src/domain/id';
import type { KyselyEmailStore } from '../../src/store/kysely-email.store';
import { PostgresEmailStore } from '../../src/store/postgres/postgres.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import { StatsStore } from '../../src/store/stats.store';
import type { AttemptsTable } from '../../src/store/store.tables';
import { createTempSchema } from '../../test/support/postgres-schema';

const EMAILS = Number(process.env.MAILOVER_BENCH_EMAILS || 100_000);
const DRIVERS = (process.env.MAILOVER_BENCH_DRIVERS || 'sqlite,postgres').split(',');
const RUNS = 7;
const TENANTS = 10;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ROWS = 500;

/** A deterministic pseudo-random sequence, so both stores get the same rows. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

async function fill(store: KyselyEmailStore, spreadMs: number, now: number) {
  const db = store.database;
  const next = random(42);
  let attempts = 0;
  let events = 0;
  for (let start = 0; start < EMAILS; start += ROWS) {
    const emails = [];
    const tries: Insertable<AttemptsTable>[] = [];
    const evs = [];
    for (let i = start; i < Math.min(EMAILS, start + ROWS); i++) {
      const at = now - Math.floor(next() * spreadMs);
      const id = newId(at);
      const tenant = `tenant-${i % TENANTS}`;
      // One in five fails over from the primary to the backup; one in fifty skips the primary.
      const roll = next();
      const primaryMs = 20 + Math.floor(next() * 200);
      const route: Array<[string, string, number]> =
        roll < 0.2
          ? [
              ['primary', 'retryable', primaryMs],
              ['backup', 'sent', 30 + Math.floor(next() * 100)],
            ]
          : roll < 0.22
            ? [
                ['primary', 'skipped', 0],
                ['backup', 'sent', 30 + Math.floor(next() * 100)],
              ]
            : [['primary', 'sent', primaryMs]];
      const sentBy = route[route.length - 1][0];
      emails.push({
        id,
        tenant,
        status: 'sent' as const,
        message: '{}',
        providers: null,
        send_at: null,
        due_at: at,
        created_at: at,
        updated_at: at,
        rounds: 1,
        provider_id: sentBy,
        provider_message_id: `m-${id}`,
        last_error: null,
        lease_owner: null,
        lease_until: null,
      });
      route.forEach(([provider_id, outcome, duration_ms], seq) =>
        tries.push({
          email_id: id,
          round: 1,
          seq,
          provider_id,
          outcome: outcome as AttemptsTable['outcome'],
          provider_status: outcome === 'sent' ? 200 : outcome === 'skipped' ? null : 500,
          error_code: null,
          error: outcome === 'retryable' ? 'HTTP 500' : null,
          duration_ms,
          at: at + seq,
        }),
      );
      attempts += route.length;
      // Events for one email in ten: mostly delivered, some bounces, a few complaints.
      if (i % 10 === 0) {
        const r = next();
        const type = r < 0.9 ? 'delivered' : r < 0.98 ? 'bounced' : 'complained';
        evs.push({
          id: newId(at + 1000),
          provider_id: sentBy,
          event_key: `e-${id}`,
          email_id: id,
          tenant,
          type,
          bounce: type === 'bounced' ? 'hard' : null,
          recipient: `r${i}@example.com`,
          provider_event_id: null,
          occurred_at: at + 1000,
          received_at: at + 2000,
          reason: null,
          url: null,
          user_agent: null,
          delivery_id: null,
        });
        events++;
      }
    }
    await db.insertInto('emails').values(emails).execute();
    for (let j = 0; j < tries.length; j += ROWS)
      await db
        .insertInto('attempts')
        .values(tries.slice(j, j + ROWS))
        .execute();
    if (evs.length) await db.insertInto('events').values(evs).execute();
  }
  return { attempts, events };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await work();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

/** The three queries the route runs at once, as StatsService does. */
function route(stats: StatsStore, now: number, minutes: number, tenant?: string) {
  const to = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const window = { from: new Date(to - minutes * MINUTE), to: new Date(to), tenant };
  return () =>
    Promise.all([
      stats.attemptBuckets(window, MINUTE),
      stats.latency(window),
      stats.deliveryCounts({ from: new Date(now - 24 * HOUR), to: new Date(now), tenant }),
    ]);
}

async function bench(driver: string, layout: string, spreadMs: number) {
  let store: KyselyEmailStore;
  let cleanup: () => Promise<void>;
  if (driver === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mailover-stats-bench-'));
    store = new SqliteEmailStore(join(dir, 'store.db'));
    cleanup = () => Promise.resolve(rmSync(dir, { recursive: true, force: true }));
  } else {
    const schema = await createTempSchema('stats_bench');
    store = new PostgresEmailStore({ url: schema.url, poolSize: 5 });
    cleanup = schema.drop;
  }
  try {
    await store.migrate();
    const now = Date.now();
    const t = performance.now();
    const filled = await fill(store, spreadMs, now);
    if (driver === 'postgres') await sql`analyze`.execute(store.database);
    const loadSeconds = (performance.now() - t) / 1000;
    const stats = new StatsStore(store.database);
    const figures = {
      driver,
      layout,
      emails: EMAILS,
      attempts: filled.attempts,
      events: filled.events,
      loadSeconds: Number(loadSeconds.toFixed(1)),
      'admin 60 min ms': await timed(route(stats, now, 60)),
      'tenant 60 min ms': await timed(route(stats, now, 60, 'tenant-3')),
      'admin 1440 min ms': await timed(route(stats, now, 1440)),
      'tenant 1440 min ms': await timed(route(stats, now, 1440, 'tenant-3')),
    };
    for (const [k, v] of Object.entries(figures))
      if (k.endsWith(' ms'))
        (figures as Record<string, unknown>)[k] = Number((v as number).toFixed(1));
    console.log(JSON.stringify(figures));
    return figures;
  } finally {
    await store.close();
    await cleanup();
  }
}

async function main() {
  const rows = [];
  for (const driver of DRIVERS) {
    rows.push(await bench(driver, 'spread over 24 h', 24 * HOUR));
    rows.push(await bench(driver, 'all in the last hour', HOUR));
  }
  console.table(rows);
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
