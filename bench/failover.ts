/**
 * The failover scenario (issue: invisible failover): two fake providers answering after 20 ms,
 * a 2 s provider timeout, 2,000 emails sent at a steady 200 a second, with the primary healthy,
 * hanging, answering 5xx or refusing connections. For each email: the time from Mailover's 202
 * to the provider's 200 (accept to delivered). Each mode runs on a fresh server and fresh fakes.
 *
 * An outage strikes a provider that was working: each run first sends WARMUP_EMAILS (one second,
 * not measured) with both providers healthy, then turns the fault on and measures the 2,000.
 * `hanging-at-boot` is the harder case of a primary that hangs from the server's first send,
 * before Mailover knows its usual latency (see StuckDetector's cold bound).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { signRequest } from '../src/domain/signing';
import { freePort } from '../test/support/spawn-server';
import {
  FAILOVER_KEY,
  type FailoverCommand,
  type FailoverReport,
  type Mode,
} from './failover-fakes';
import { ROOT, startServer, TS_NODE } from './support/children';

const EMAILS = 2000;
const PER_SECOND = 200;
const LATENCY_MS = 20;
const TIMEOUT_MS = 2000;
const DRAIN_BOUND_MS = 30_000;
const WARMUP_EMAILS = 200;
export type Scenario = Mode | 'hanging-at-boot';
export const MODES: Scenario[] = ['healthy', 'hanging', '5xx', 'refusing', 'hanging-at-boot'];

export interface FailoverFigures {
  mode: Scenario;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Share of accepted emails some provider answered 200 for. */
  deliveredShare: number;
  /** Emails answered 200 by both providers (sent twice). */
  duplicates: number;
  accepted: number;
}

const KEY = { id: 'failover-bench', secret: 'failover-bench-secret-0123456789abcdef' };

export async function failoverScenario(mode: Scenario): Promise<FailoverFigures> {
  const fakes = await startFakes();
  const dataDir = mkdtempSync(join(tmpdir(), 'mailover-failover-'));
  const configFile = join(dataDir, 'failover.yaml');
  writeFileSync(
    configFile,
    stringify({
      auth: { keys: [{ id: KEY.id, secret: KEY.secret, scopes: ['send', 'read'] }] },
      rateLimit: {
        default: { limit: 1_000_000, ttlMs: 1000 },
        anonymous: { limit: 1_000_000, ttlMs: 1000 },
      },
      logging: { level: 'error' },
      providers: [
        {
          id: 'primary',
          type: 'resend',
          baseUrl: fakes.primary,
          apiKey: FAILOVER_KEY,
          priority: 1,
          timeoutMs: TIMEOUT_MS,
        },
        {
          id: 'backup',
          type: 'resend',
          baseUrl: fakes.backup,
          apiKey: FAILOVER_KEY,
          priority: 2,
          timeoutMs: TIMEOUT_MS,
        },
      ],
    }),
  );
  const port = await freePort();
  const server = await startServer(
    [join(ROOT, 'dist', 'main.js')],
    { MAILOVER_CONFIG: configFile, MAILOVER_DATA_DIR: dataDir, NODE_ENV: 'production' },
    port,
    join(dataDir, 'server.log'),
  );
  try {
    if (mode === 'hanging-at-boot') await fakes.command({ type: 'mode', mode: 'hanging' }, 'moded');
    else {
      await steadyLoad(server.url, WARMUP_EMAILS, 'warmup');
      await fakes.command({ type: 'mode', mode }, 'moded');
    }
    const acceptedAt = await steadyLoad(server.url, EMAILS, 'run');
    const deadline = Date.now() + DRAIN_BOUND_MS;
    let report: Extract<FailoverReport, { type: 'report' }>;
    for (;;) {
      report = (await fakes.command({ type: 'report' }, 'report')) as typeof report;
      const done = new Set([...report.primary, ...report.backup].map(([id]) => id));
      if ([...acceptedAt.keys()].every((id) => done.has(id)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    return figures(mode, acceptedAt, report);
  } finally {
    await server.kill();
    fakes.child.kill();
  }
}

/** Sends `count` signed requests at PER_SECOND, open loop; answers each id's 202 time. */
async function steadyLoad(url: string, count: number, tag: string): Promise<Map<string, number>> {
  const acceptedAt = new Map<string, number>();
  const started = Date.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / PER_SECOND;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = JSON.stringify({
      from: 'shop@acme.test',
      to: `customer${i}@example.com`,
      subject: `Order ${tag} ${i}`,
      text: 'Thanks for your order.',
    });
    const headers = {
      'content-type': 'application/json',
      ...signRequest({
        keyId: KEY.id,
        secret: KEY.secret,
        method: 'POST',
        target: '/v1/emails',
        body,
      }),
    };
    pending.push(
      fetch(`${url}/v1/emails`, { method: 'POST', headers, body }).then(async (res) => {
        const at = Date.now();
        if (res.status === 202) acceptedAt.set(((await res.json()) as { id: string }).id, at);
        else await res.arrayBuffer();
      }),
    );
  }
  await Promise.all(pending);
  return acceptedAt;
}

function figures(
  mode: Scenario,
  acceptedAt: Map<string, number>,
  report: Extract<FailoverReport, { type: 'report' }>,
): FailoverFigures {
  const first = new Map<string, number>();
  const byProvider = [new Set<string>(), new Set<string>()];
  [report.primary, report.backup].forEach((list, i) => {
    for (const [id, at] of list) {
      byProvider[i].add(id);
      if (!first.has(id) || first.get(id)! > at) first.set(id, at);
    }
  });
  const times = [...acceptedAt]
    .filter(([id]) => first.has(id))
    .map(([id, at]) => Math.max(0, first.get(id)! - at))
    .sort((a, b) => a - b);
  const q = (p: number) =>
    times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? NaN;
  return {
    mode,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    max: times[times.length - 1] ?? NaN,
    deliveredShare: times.length / acceptedAt.size,
    duplicates: [...byProvider[0]].filter((id) => byProvider[1].has(id)).length,
    accepted: acceptedAt.size,
  };
}

async function startFakes(): Promise<{
  child: ChildProcess;
  primary: string;
  backup: string;
  command(c: FailoverCommand, answer: FailoverReport['type']): Promise<FailoverReport>;
}> {
  const child = fork(join(ROOT, 'bench', 'failover-fakes.ts'), [String(LATENCY_MS)], {
    cwd: ROOT,
    execArgv: TS_NODE,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: FailoverReport['type']) =>
    new Promise<FailoverReport>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} from the fakes`)), 30_000);
      const on = (m: FailoverReport) => {
        if (m.type !== type) return;
        clearTimeout(timer);
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
    });
  const ready = (await next('ready')) as Extract<FailoverReport, { type: 'ready' }>;
  return {
    child,
    primary: ready.primary,
    backup: ready.backup,
    command: (c, answer) => {
      const reply = next(answer);
      child.send(c);
      return reply;
    },
  };
}

/** Prints the rows and the targets: hanging p99 at most 2x healthy, healthy p50 at most latency + 10 ms. */
export function failoverTable(rows: FailoverFigures[]): string {
  const healthy = rows.find((r) => r.mode === 'healthy');
  const lines = [
    `failover: ${EMAILS} emails at ${PER_SECOND}/s, providers answer in ${LATENCY_MS} ms, timeout ${TIMEOUT_MS} ms; accept (202) to delivered (provider 200), ms`,
    '  primary           p50    p95    p99    max   delivered  twice  p99 / healthy p99',
  ];
  for (const r of rows) {
    const ratio = healthy ? r.p99 / healthy.p99 : NaN;
    lines.push(
      `  ${r.mode.padEnd(15)} ${[r.p50, r.p95, r.p99, r.max].map((v) => String(Math.round(v)).padStart(6)).join(' ')}   ${(r.deliveredShare * 100).toFixed(1).padStart(6)} %  ${String(r.duplicates).padStart(5)}  ${ratio.toFixed(2)}`,
    );
  }
  const hanging = rows.find((r) => r.mode === 'hanging');
  if (healthy && hanging) {
    const ok =
      hanging.p99 <= 2 * healthy.p99 && hanging.deliveredShare === 1 && hanging.duplicates === 0;
    lines.push(
      `  hanging p99 ${Math.round(hanging.p99)} ms vs 2 x healthy p99 ${Math.round(2 * healthy.p99)} ms, every email once: ${ok ? 'PASS' : 'MISS'}`,
    );
  }
  if (healthy)
    lines.push(
      `  healthy p50 ${Math.round(healthy.p50)} ms vs latency + 10 = ${LATENCY_MS + 10} ms: ${healthy.p50 <= LATENCY_MS + 10 ? 'PASS' : 'MISS'}`,
    );
  return lines.join('\n');
}

if (require.main === module) {
  void (async () => {
    const rows: FailoverFigures[] = [];
    for (const mode of process.argv.slice(2).length ? (process.argv.slice(2) as Scenario[]) : MODES)
      rows.push(await failoverScenario(mode));
    process.stdout.write(failoverTable(rows) + '\n');
  })();
}
