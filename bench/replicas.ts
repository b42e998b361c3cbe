/**
 * Scale-out figures (issue: scale-out and operations), on PostgreSQL:
 *  - one process (`role: all`) against two API replicas plus one worker, accepting and
 *    delivering EMAILS: accepted per second and its p99, delivered per second;
 *  - recovery: a process killed with SIGKILL while it holds claims; a worker replica takes them
 *    over once their leases lapse (`dispatch.leaseMs`, default 15 s): the time from the SIGKILL to
 *    the last of them delivered.
 * Every process is on this one 2-core machine with the load generator, the fake and PostgreSQL, so
 * replicas compete for the same cores: the figures show the overhead and the recovery, not a gain.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Client } from 'pg';
import { createTempSchema } from '../test/support/postgres-schema';
import { freePort } from '../test/support/spawn-server';
import { ROOT, type ServerChild, startServer } from './support/children';
import { emailBody } from './support/email-body';
import { type FakeChild } from './support/fake-child';
import { FAKE_API_KEY } from './support/fake-protocol';
import { amountLoad, type BenchKey, type LoadFigures } from './support/load';

const EMAILS = 6000;
const CONNECTIONS = 50;
const BOUND_SECONDS = 120;

export interface ReplicaRun {
  layout: string;
  accept: LoadFigures;
  acceptedPerSecond: number;
  deliveredPerSecond?: number;
}

export interface RecoveryRun {
  claimedAtKill: number;
  /** Emails the provider had taken but the store did not record as sent when the process died. */
  deliveredUnrecorded: number;
  /** Emails leased (status sending) in the store at the kill. */
  sendingAtKill: number;
  secondsToDelivered?: number;
  leaseMs: number;
}

type Role = 'all' | 'api' | 'worker';

async function start(
  work: string,
  name: string,
  role: Role,
  pgUrl: string,
  fake: FakeChild,
  key: BenchKey,
  dispatch: Record<string, unknown> = {},
): Promise<ServerChild> {
  const dataDir = join(work, name);
  mkdirSync(dataDir, { recursive: true });
  const unlimited = { limit: 1_000_000_000, ttlMs: 1000 };
  const file = join(dataDir, 'bench.yaml');
  writeFileSync(
    file,
    stringify({
      server: { host: '127.0.0.1', role },
      store: { driver: 'postgres', postgresUrl: pgUrl },
      auth: { keys: [{ id: key.id, secret: key.secret, scopes: ['send', 'read'] }] },
      rateLimit: { default: unlimited, anonymous: unlimited },
      providers: [{ id: 'resend-fake', type: 'resend', baseUrl: fake.url, apiKey: FAKE_API_KEY }],
      dispatch,
      logging: { level: 'error' },
    }),
  );
  return startServer(
    [join(ROOT, 'dist', 'main.js')],
    { MAILOVER_CONFIG: file, MAILOVER_DATA_DIR: dataDir, NODE_ENV: 'production' },
    await freePort(),
    join(work, `${name}.log`),
  );
}

/** One process, then two API replicas and a worker, each on a fresh schema. */
export async function replicaRuns(fake: FakeChild, key: BenchKey): Promise<ReplicaRun[]> {
  const work = mkdtempSync(join(tmpdir(), 'mailover-replicas-'));
  const body = emailBody();
  const runs: ReplicaRun[] = [];
  for (const layout of ['one process (all)', 'two API replicas + one worker'] as const) {
    const schema = await createTempSchema('bench');
    const servers =
      layout === 'one process (all)'
        ? [await start(work, 'all', 'all', schema.url, fake, key)]
        : [
            await start(work, 'api1', 'api', schema.url, fake, key),
            await start(work, 'api2', 'api', schema.url, fake, key),
            await start(work, 'worker', 'worker', schema.url, fake, key),
          ];
    try {
      const apis = servers.filter((_, i) => layout === 'one process (all)' || i < 2);
      const { done } = fake.expect(EMAILS, BOUND_SECONDS * 1000);
      const started = Date.now();
      const loads = await Promise.all(
        apis.map((s) =>
          amountLoad(
            { url: s.url, path: '/v1/emails', body, key, connections: CONNECTIONS / apis.length },
            EMAILS / apis.length,
            BOUND_SECONDS,
          ),
        ),
      );
      const accept = merge(loads);
      const report = accept.ok === EMAILS ? await done : await fake.stats();
      runs.push({
        layout,
        accept,
        acceptedPerSecond: accept.ok / ((accept.lastAnswerAt - started) / 1000),
        deliveredPerSecond: report.complete ? EMAILS / ((report.at - started) / 1000) : undefined,
      });
    } finally {
      for (const s of servers) await s.kill();
      await schema.drop();
    }
  }
  return runs;
}

/**
 * A process holding claims is killed; a worker replica takes them over when their leases lapse.
 * The provider answers slowly (the fake's latency) so claims are in flight at the kill.
 */
export async function recoveryRun(fake: FakeChild, key: BenchKey): Promise<RecoveryRun> {
  const work = mkdtempSync(join(tmpdir(), 'mailover-recovery-'));
  const schema = await createTempSchema('bench');
  const leaseMs = 15_000;
  const victim = await start(work, 'victim', 'all', schema.url, fake, key);
  let survivor: ServerChild | undefined;
  try {
    const count = 4000;
    const { done } = fake.expect(count, BOUND_SECONDS * 1000);
    // Killed mid-load, while it accepts and delivers at full speed.
    const load = amountLoad(
      { url: victim.url, path: '/v1/emails', body: emailBody(), key, connections: CONNECTIONS },
      count,
      BOUND_SECONDS,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const before = await fake.stats();
    await victim.kill();
    const killedAt = Date.now();
    const accepted = (await load).ok;
    const atKill = await fake.stats();
    const db = new Client({ connectionString: schema.url });
    await db.connect();
    const counts = await db.query<{ status: string; n: string }>(
      'select status, count(*) as n from emails group by status',
    );
    await db.end();
    const countOf = (status: string) =>
      Number(counts.rows.find((r) => r.status === status)?.n ?? 0);
    survivor = await start(work, 'survivor', 'worker', schema.url, fake, key);
    // Only what was answered 202 must arrive; the fake counts distinct ids up to `accepted`.
    const report =
      accepted === count ? await done : await waitFor(fake, accepted, BOUND_SECONDS * 1000);
    return {
      claimedAtKill: accepted - before.distinct,
      deliveredUnrecorded: Math.max(0, atKill.distinct - countOf('sent')),
      sendingAtKill: countOf('sending'),
      secondsToDelivered: report.complete ? (report.at - killedAt) / 1000 : undefined,
      leaseMs,
    };
  } finally {
    await survivor?.kill();
    await schema.drop();
  }
}

/** Polls the fake until `count` distinct emails have arrived (or `ms` pass). */
async function waitFor(
  fake: FakeChild,
  count: number,
  ms: number,
): Promise<{ complete: boolean; at: number }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await fake.stats();
    if (s.distinct >= count) return { complete: true, at: Date.now() };
    if (Date.now() > deadline) return { complete: false, at: Date.now() };
    await new Promise((r) => setTimeout(r, 100));
  }
}

function merge(loads: LoadFigures[]): LoadFigures {
  return {
    rps: loads.reduce((s, l) => s + l.rps, 0),
    p50: Math.max(...loads.map((l) => l.p50)),
    p99: Math.max(...loads.map((l) => l.p99)),
    ok: loads.reduce((s, l) => s + l.ok, 0),
    non2xx: loads.reduce((s, l) => s + l.non2xx, 0),
    errors: loads.reduce((s, l) => s + l.errors, 0),
    timeouts: loads.reduce((s, l) => s + l.timeouts, 0),
    seconds: Math.max(...loads.map((l) => l.seconds)),
    lastAnswerAt: Math.max(...loads.map((l) => l.lastAnswerAt)),
    statuses: Object.assign({}, ...loads.map((l) => l.statuses)) as Record<string, number>,
  };
}

export function replicasTable(runs: ReplicaRun[], recovery: RecoveryRun): string {
  const lines = [
    `scale-out on PostgreSQL, ${EMAILS} emails, provider at 20 ms (all on these 2 cores)`,
  ];
  for (const r of runs)
    lines.push(
      `  ${r.layout.padEnd(32)} accepted ${Math.round(r.acceptedPerSecond)}/s (p99 ${r.accept.p99} ms), delivered ${r.deliveredPerSecond ? `${Math.round(r.deliveredPerSecond)}/s` : 'not all within the bound'}`,
    );
  lines.push(
    `  SIGKILL mid-load (default concurrency): ${recovery.sendingAtKill} emails leased, ${recovery.deliveredUnrecorded} of them taken by the provider but not yet recorded as sent (sent again once their leases lapse)`,
  );
  lines.push(
    `  ${recovery.claimedAtKill} acknowledged emails not yet at the provider; a worker replica started after the kill delivered them all ${recovery.secondsToDelivered?.toFixed(1) ?? '(not within the bound)'} s after it (leased ones wait for their lease, ${recovery.leaseMs / 1000} s at most)`,
  );
  return lines.join('\n');
}
