/**
 * Mailover's benchmark (`npm run bench`): one run on this machine prints every figure the issue
 * asks for, next to its target, and writes them to bench/results/latest.json. See bench/README.md.
 *
 * Every server under test is a child process on 127.0.0.1 (the real one is `node dist/main.js`);
 * the fake provider is another; autocannon runs here. Every load is bounded in count and time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TS_NODE } from './support/children';
import { compileEntry, NODE_PATH } from './support/compile';
import { BODY_BYTES, emailBody } from './support/email-body';
import { type FakeChild, startFake } from './support/fake-child';
import {
  CONNECTIONS,
  DEFAULT_DISPATCH_CONCURRENCY,
  DEFAULT_PROVIDER_CONCURRENCY,
  delivery,
  type DeliveryRun,
  EMAILS,
  ingest,
  KEY,
  PROVIDER_LATENCY_MS,
  realEnv,
  SECONDS,
  type ServerRun,
  WARMUP_SECONDS,
} from './support/runs';
import { type SigningCost, signingCost } from './support/signing-cost';
import { abPairs, abTable } from './ab';
import { recoveryRun, replicaRuns, replicasTable } from './replicas';
import { failoverScenario, type FailoverFigures, failoverTable, MODES } from './failover';
import {
  WEBHOOK_DELIVERIES,
  type WebhookDeliveryRun,
  webhookDeliveries,
} from './support/webhook-deliveries';

const TARGETS = {
  ratioToBare: 0.6,
  deliveredPerSecond: 2000,
  peakRssBytes: 250 * 1024 * 1024,
  signedToUnsigned: 0.9,
};

/**
 * The one "more concurrency" run, made only when the defaults miss the delivery target: each
 * provider admits as many sends as the worker runs (by default the worker runs 256 while a
 * provider admits 50 plus 200 queued, and the excess is skipped and rescheduled with backoff).
 */
const HIGHER = { dispatch: DEFAULT_DISPATCH_CONCURRENCY, provider: DEFAULT_DISPATCH_CONCURRENCY };

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'main.js')))
    throw new Error('dist/main.js is missing: run `npm run build` first');
  const work = mkdtempSync(join(tmpdir(), 'mailover-bench-'));
  const body = emailBody();
  const startedAt = new Date();
  const loadAtStart = loadavg()[0];
  let fake: FakeChild | undefined;
  try {
    fake = await startFake(PROVIDER_LATENCY_MS);
    const bareServer = compileEntry('bench/bare-server.ts', join(work, 'build'));
    const unsignedServer = compileEntry('bench/unsigned-server.ts', join(work, 'build'));
    const compiled = { MAILOVER_BENCH_ROOT: ROOT, NODE_PATH };

    progress(`bare route (${WARMUP_SECONDS} s warm-up + ${SECONDS} s)`);
    const bareDir = join(work, 'bare');
    mkdirSync(bareDir);
    const bareEnv = { ...compiled, MAILOVER_DATA_DIR: bareDir };
    const bare = await ingest(work, 'bare', [bareServer], bareEnv, '/bare', fake);

    progress('bare route with a durable write (the floor)');
    const floor = await ingest(work, 'floor', [bareServer], bareEnv, '/bare-durable', fake);

    progress('POST /v1/emails, signed');
    const signed = await ingest(
      work,
      'signed',
      ['dist/main.js'],
      realEnv(work, 'signed', fake),
      '/v1/emails',
      fake,
      KEY,
    );

    // Held for a day: nothing is due during the run, so these two measure the ingest path alone
    // (where a signature's share of the work is largest), without the delivery's run-to-run noise.
    const heldBody = emailBody({ sendAt: new Date(Date.now() + 86_400_000).toISOString() });
    progress('POST /v1/emails, signed, nothing due during the run');
    const held = await ingest(
      work,
      'held',
      ['dist/main.js'],
      realEnv(work, 'held', fake),
      '/v1/emails',
      fake,
      KEY,
      heldBody,
    );

    progress('POST /v1/emails, unsigned (signing stubbed out), nothing due');
    const unsigned = await ingest(
      work,
      'unsigned',
      [unsignedServer],
      { ...realEnv(work, 'unsigned', fake), BENCH_KEY_ID: KEY.id, ...compiled },
      '/v1/emails',
      fake,
      undefined,
      heldBody,
    );

    progress('signing micro-benchmark');
    const cost = await signingCost(KEY, body);

    progress(`delivery of ${EMAILS} emails, default concurrency`);
    const deliveries = [await delivery(work, 'delivery-default', fake, body)];
    if ((deliveries[0].perSecond ?? 0) < TARGETS.deliveredPerSecond) {
      progress(`delivery of ${EMAILS} emails, concurrency raised in config`);
      deliveries.push(await delivery(work, 'delivery-higher', fake, body, { concurrency: HIGHER }));
    }

    const failover: FailoverFigures[] = [];
    for (const mode of MODES) {
      progress(`failover scenario, primary ${mode}`);
      failover.push(await failoverScenario(mode));
    }

    progress('replicas on PostgreSQL, and recovery from a SIGKILL');
    const replicas = await replicaRuns(fake, KEY);
    const recovery = await recoveryRun(fake, KEY);

    progress('provider webhooks: SendGrid batches of 1,000 events, verified and stored');
    const providerWebhooks = execFileSync(
      process.execPath,
      [...TS_NODE, join(ROOT, 'bench', 'webhooks', 'webhooks.bench.ts')],
      { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
    );

    progress(`${WEBHOOK_DELIVERIES} webhook deliveries to a local receiver`);
    const webhooks = await webhookDeliveries(work);

    progress('interleaved A/B pairs (bench/ab.ts)');
    const ab = await abPairs(fake, work);

    const peakRssBytes = Math.max(
      signed.peakRssBytes,
      held.peakRssBytes,
      unsigned.peakRssBytes,
      ...deliveries.map((d) => d.peakRssBytes),
    );
    const results = {
      startedAt: startedAt.toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? '?',
        node: process.version,
        loadAverageAtStart: loadAtStart,
      },
      settings: {
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_SECONDS,
        seconds: SECONDS,
        bodyBytes: BODY_BYTES,
        emails: EMAILS,
        providerLatencyMs: PROVIDER_LATENCY_MS,
      },
      targets: TARGETS,
      ingest: { bare, floor, signed, held, unsigned },
      signingCost: cost,
      deliveries,
      webhooks,
      peakRssBytes,
      failover,
      replicas,
      recovery,
      ab,
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench', 'results', 'latest.json'),
      JSON.stringify(results, null, 2) + '\n',
    );
    process.stdout.write(
      render(
        results.machine,
        { bare, floor, signed, held, unsigned },
        cost,
        deliveries,
        peakRssBytes,
        webhooks,
      ) +
        '\n' +
        failoverTable(failover) +
        '\n' +
        replicasTable(replicas, recovery) +
        '\n' +
        providerWebhooks +
        '\n' +
        abTable(ab),
    );
  } finally {
    await fake?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

// ---- output ----

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/** Right-aligned columns after a left-aligned label. */
function table(widths: number[], rows: string[][]): string[] {
  return rows.map((cells) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[0]) : c.padStart(widths[i])))
      .join('')
      .trimEnd(),
  );
}

function render(
  machine: { cpus: number; model: string; node: string; loadAverageAtStart: number },
  runs: Record<'bare' | 'floor' | 'signed' | 'held' | 'unsigned', ServerRun>,
  cost: SigningCost,
  deliveries: DeliveryRun[],
  peakRssBytes: number,
  webhooks: WebhookDeliveryRun,
): string {
  const { bare, floor, signed, held, unsigned } = runs;
  const out: string[] = [];
  const line = (text = '') => out.push(text);
  const cores = (x: number) => x.toFixed(2);
  const ingestRow = (label: string, r: ServerRun) => [
    `  ${label}`,
    int(r.load.rps),
    r.load.p50.toFixed(0),
    r.load.p99.toFixed(0),
    int(r.load.non2xx + r.load.errors + r.load.timeouts),
    int(r.serverCpuUsPerRequest),
    cores(r.serverCpuShare),
    cores(r.clientCpuShare),
    cores(r.otherCpuShare),
    mb(r.peakRssBytes),
  ];
  const problems = (label: string, r: ServerRun) => {
    const { non2xx, errors, timeouts, statuses } = r.load;
    if (non2xx + errors + timeouts) {
      line(
        `  ! ${label}: ${int(non2xx)} non-2xx ${JSON.stringify(statuses)}, ${int(errors)} errors, ${int(timeouts)} timeouts`,
      );
    }
    if (r.errorLogLines) line(`  ! ${label}: ${r.errorLogLines} error lines in the server's log`);
  };

  line(
    `Mailover benchmark: ${machine.cpus} x ${machine.model}, Node ${machine.node}, load average ${machine.loadAverageAtStart.toFixed(2)} at start`,
  );
  line(
    `${BODY_BYTES}-byte JSON email; autocannon ${CONNECTIONS} connections, pipelining 1, ${WARMUP_SECONDS} s warm-up (discarded) + ${SECONDS} s measured;`,
  );
  line(
    `each server a child process on 127.0.0.1; a fake Resend in another, answering after ${PROVIDER_LATENCY_MS} ms`,
  );
  line();
  line('HTTP ingest');
  for (const text of table(
    [50, 7, 6, 6, 7, 10, 8, 11, 8, 10],
    [
      ['', '2xx/s', 'p50', 'p99', 'failed', 'server', 'server', 'autocannon', 'others', 'peak RSS'],
      ['', '', 'ms', 'ms', '', 'CPU us/req', 'cores', 'cores', 'cores', ''],
      ingestRow('bare NestJS + Fastify: POST /bare, validation', bare),
      ingestRow('  + one durable SQLite insert (the floor)', floor),
      ingestRow('POST /v1/emails signed (node dist/main.js)', signed),
      ingestRow('  the same, nothing due during the run', held),
      ingestRow('  the same, unsigned (signing stubbed out)', unsigned),
    ],
  )) {
    line(text);
  }
  const disturbed = Math.max(...Object.values(runs).map((r) => r.otherCpuShare));
  if (disturbed > 0.25) {
    line(
      `  ! other processes kept up to ${cores(disturbed)} of the ${cpus().length} cores busy meanwhile: these figures are disturbed`,
    );
  }
  for (const [name, run] of Object.entries(runs)) problems(name, run);
  const ratio = signed.load.rps / bare.load.rps;
  const signedRatio = held.load.rps / unsigned.load.rps;
  line(
    `  signed / bare      ${pct(ratio).padStart(8)}   target >= ${pct(TARGETS.ratioToBare)}   ${verdict(ratio >= TARGETS.ratioToBare)}   (the figure)`,
  );
  line(
    `  held / unsigned    ${pct(signedRatio).padStart(8)}   target >= ${pct(TARGETS.signedToUnsigned)}   ${verdict(signedRatio >= TARGETS.signedToUnsigned)}   (signing costs at most 10 %; nothing due in either)`,
  );
  line(
    `  floor / bare       ${pct(floor.load.rps / bare.load.rps).padStart(8)}   what a durable write alone leaves of the bare route`,
  );
  line(
    `  held / bare        ${pct(held.load.rps / bare.load.rps).padStart(8)}   Mailover's ingest alone (sendAt a day ahead: nothing delivered meanwhile)`,
  );
  line(
    '  The first signed server also delivers what it accepts meanwhile; its CPU per request includes that.',
  );
  line('  "others": cores used by processes outside the benchmark while it measured (ideally 0).');
  line();
  const budgetUs = 1e6 / held.load.rps;
  line(
    'Signing cost, in-process micro-benchmark (dist/ code, 1 KB body, median of 5 rounds of 10,000)',
  );
  line(`  client  signRequest                    ${cost.signUs.toFixed(1).padStart(6)} us/request`);
  line(
    `  server  verifyRequest                  ${cost.verifyUs.toFixed(1).padStart(6)} us/request`,
  );
  line(
    `  server  verifyRequest + nonce claim    ${cost.verifyAndClaimUs.toFixed(1).padStart(6)} us/request`,
  );
  line(
    `  at the held ${int(held.load.rps)} req/s (ingest alone) a request has ${budgetUs.toFixed(0)} us of server time; ` +
      `verification takes ${pct(cost.verifyAndClaimUs / budgetUs)} of it`,
  );
  line();
  line(
    `Delivery: ${int(EMAILS)} signed emails through POST /v1/emails (${CONNECTIONS} connections) into a fake Resend answering after ${PROVIDER_LATENCY_MS} ms`,
  );
  for (const d of deliveries) {
    const raised =
      d.dispatchConcurrency !== DEFAULT_DISPATCH_CONCURRENCY ||
      d.providerConcurrency !== DEFAULT_PROVIDER_CONCURRENCY;
    line(
      `  dispatch.concurrency ${d.dispatchConcurrency}, providers[].concurrency ${d.providerConcurrency}: ` +
        (raised ? 'RAISED in the config overlay, not the defaults' : 'the defaults'),
    );
    line(
      `    accepted ${int(d.accept.ok)} in ${d.accept.seconds.toFixed(1)} s (${int(d.accept.rps)}/s, p99 ${d.accept.p99.toFixed(0)} ms)`,
    );
    if (d.accept.ok !== EMAILS) {
      line(
        `    ! only ${int(d.accept.ok)} of ${int(EMAILS)} accepted: ${int(d.accept.non2xx)} non-2xx ${JSON.stringify(d.accept.statuses)}, ${int(d.accept.errors)} errors`,
      );
    }
    if (d.report.complete && d.perSecond !== undefined && d.seconds !== undefined) {
      line(
        `    all ${int(EMAILS)} at the provider ${d.seconds.toFixed(1)} s after the first request, ${(d.afterLastAcceptSeconds ?? 0).toFixed(1)} s after the last answer`,
      );
      line(
        `    delivered ${int(d.perSecond)} emails/s   target >= ${int(TARGETS.deliveredPerSecond)}   ${verdict(d.perSecond >= TARGETS.deliveredPerSecond)}`,
      );
    } else if (!d.report.complete) {
      line(
        `    ! unfinished: ${int(d.report.distinct)} distinct emails had reached the provider when the bench stopped waiting   MISS`,
      );
    }
    line(
      `    peak RSS ${mb(d.peakRssBytes)}; other processes kept ${cores(d.otherCpuShare)} cores busy meanwhile`,
    );
    if (d.errorLogLines) line(`    ! ${d.errorLogLines} error lines in the server's log`);
  }
  line();
  line(
    `Webhooks to the application: ${int(webhooks.deliveries)} pending deliveries in the store, POSTed to a receiver in the bench process answering 204 at once`,
  );
  if (webhooks.perSecond !== undefined && webhooks.seconds !== undefined) {
    line(
      `  webhooks.concurrency ${webhooks.concurrency} (the default): ${int(webhooks.perSecond)} deliveries/s (${webhooks.seconds.toFixed(1)} s, server ${cores(webhooks.serverCpuShare ?? 0)} cores, peak RSS ${mb(webhooks.peakRssBytes)}), ${int(webhooks.repeats)} sent twice`,
    );
  } else {
    line(`  ! unfinished: ${int(webhooks.received)} of ${int(webhooks.deliveries)} received`);
  }
  line();
  line(
    `Peak RSS of the Mailover server, highest of its runs above: ${mb(peakRssBytes)}   target < ${mb(TARGETS.peakRssBytes)}   ${verdict(peakRssBytes < TARGETS.peakRssBytes)}`,
  );
  line('(the bare server is not Mailover: its RSS is for comparison)');
  line('Figures also in bench/results/latest.json');
  return out.join('\n') + '\n';
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
