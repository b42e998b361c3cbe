/**
 * The two runs every benchmark here is made of, on a real server child process: `ingest` (a
 * warm-up, then a timed load on one route) and `delivery` (a number of signed emails through
 * POST /v1/emails until the fake provider has them all). bench/run.ts and bench/ab.ts use them.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../test/support/spawn-server';
import { machineBusySeconds, type ServerChild, startServer } from './children';
import { emailBody } from './email-body';
import type { DeliveryReport, FakeChild } from './fake-child';
import { FAKE_API_KEY } from './fake-protocol';
import { amountLoad, type BenchKey, type LoadFigures, timedLoad } from './load';

export const CONNECTIONS = 50;
export const WARMUP_SECONDS = 2;
export const SECONDS = 10;
export const EMAILS = 20_000;
/** The fake provider answers after this. */
export const PROVIDER_LATENCY_MS = 20;
/** Queueing the emails must end within this, or the run says so... */
export const ACCEPT_BOUND_SECONDS = 60;
/** ...and delivering the last of them within this after that. */
export const DRAIN_BOUND_SECONDS = 30;
/** The defaults of config/default.yaml, stated here so the output can say which were used. */
export const DEFAULT_DISPATCH_CONCURRENCY = 256;
export const DEFAULT_PROVIDER_CONCURRENCY = 100;

export const KEY: BenchKey = { id: 'bench', secret: randomBytes(24).toString('hex') };

/** The real server, built: `node dist/main.js` (a baseline's path in the A/B pairs). */
export const REAL_SERVER = ['dist/main.js'];

export interface ServerRun {
  load: LoadFigures;
  /** CPU the server used during the measured seconds, per request answered (user + system). */
  serverCpuUsPerRequest: number;
  /** Share of one core the server used during the measured seconds. */
  serverCpuShare: number;
  /** Share of one core this process (autocannon) used during the measured seconds. */
  clientCpuShare: number;
  /**
   * Cores that processes other than the server, autocannon and the fake provider kept busy
   * during the measured seconds: above a few tenths, the figures are disturbed.
   */
  otherCpuShare: number;
  peakRssBytes: number;
  errorLogLines: number;
}

export interface DeliveryRun {
  emails: number;
  dispatchConcurrency: number;
  providerConcurrency: number;
  accept: LoadFigures;
  report: DeliveryReport;
  /** From the first request sent to the fake's last distinct email. */
  seconds?: number;
  /** From the last answer to the requests to the fake's last distinct email. */
  afterLastAcceptSeconds?: number;
  perSecond?: number;
  /** CPU the server used over the whole run, per email delivered (user + system). */
  serverCpuUsPerEmail: number;
  peakRssBytes: number;
  errorLogLines: number;
  /** As ServerRun.otherCpuShare, over the whole delivery run. */
  otherCpuShare: number;
}

/** How a real server is started and configured beyond the defaults. */
export interface RealServer {
  /** `node` arguments; default REAL_SERVER. */
  args?: string[];
  concurrency?: { dispatch: number; provider: number };
  /** Merged into the overlay's `server` section (e.g. `httpThread: false`). */
  server?: Record<string, unknown>;
}

/** Starts one server, loads it (warm-up, then measured), reads its peak memory, kills it. */
export async function ingest(
  work: string,
  name: string,
  args: string[],
  env: Record<string, string>,
  path: string,
  fake: FakeChild,
  key?: BenchKey,
  body = emailBody(),
  seconds = SECONDS,
): Promise<ServerRun> {
  const server = await startServer(args, env, await freePort(), join(work, `${name}.log`));
  try {
    let serverCpu = 0;
    let clientCpu = process.cpuUsage();
    let fakeCpu = 0;
    let machineCpu = 0;
    const load = await timedLoad(
      { url: server.url, path, body, key, connections: CONNECTIONS },
      WARMUP_SECONDS,
      seconds,
      () => {
        serverCpu = server.cpuSeconds();
        clientCpu = process.cpuUsage();
        fakeCpu = fake.cpuSeconds();
        machineCpu = machineBusySeconds();
      },
    );
    const serverSeconds = server.cpuSeconds() - serverCpu;
    const client = process.cpuUsage(clientCpu);
    const clientSeconds = (client.user + client.system) / 1e6;
    const otherSeconds =
      machineBusySeconds() -
      machineCpu -
      serverSeconds -
      clientSeconds -
      (fake.cpuSeconds() - fakeCpu);
    return {
      load,
      serverCpuUsPerRequest: (serverSeconds * 1e6) / Math.max(1, load.ok),
      serverCpuShare: serverSeconds / load.seconds,
      clientCpuShare: clientSeconds / load.seconds,
      otherCpuShare: Math.max(0, otherSeconds / load.seconds),
      ...memoryAndErrors(server),
    };
  } finally {
    await server.kill();
  }
}

/**
 * A fresh server: `emails` signed emails through POST /v1/emails (50 connections), timed from
 * the first request until the fake provider has received the last distinct email.
 */
export async function delivery(
  work: string,
  name: string,
  fake: FakeChild,
  body: string,
  real: RealServer = {},
  emails = EMAILS,
): Promise<DeliveryRun> {
  const env = realEnv(work, name, fake, real);
  const server = await startServer(
    real.args ?? REAL_SERVER,
    env,
    await freePort(),
    join(work, `${name}.log`),
  );
  try {
    const { done } = fake.expect(emails, (ACCEPT_BOUND_SECONDS + DRAIN_BOUND_SECONDS) * 1000);
    const cpuBefore = {
      machine: machineBusySeconds(),
      server: server.cpuSeconds(),
      fake: fake.cpuSeconds(),
      client: process.cpuUsage(),
    };
    const started = Date.now();
    const accept = await amountLoad(
      { url: server.url, path: '/v1/emails', body, key: KEY, connections: CONNECTIONS },
      emails,
      ACCEPT_BOUND_SECONDS,
    );
    // Short of all accepted, the last never comes: say how many did instead of waiting.
    const report = accept.ok === emails ? await done : await fake.stats();
    const seconds = report.complete ? (report.at - started) / 1000 : undefined;
    const client = process.cpuUsage(cpuBefore.client);
    const serverSeconds = server.cpuSeconds() - cpuBefore.server;
    const others =
      machineBusySeconds() -
      cpuBefore.machine -
      serverSeconds -
      (fake.cpuSeconds() - cpuBefore.fake) -
      (client.user + client.system) / 1e6;
    return {
      emails,
      dispatchConcurrency: real.concurrency?.dispatch ?? DEFAULT_DISPATCH_CONCURRENCY,
      providerConcurrency: real.concurrency?.provider ?? DEFAULT_PROVIDER_CONCURRENCY,
      accept,
      report,
      seconds,
      afterLastAcceptSeconds: report.complete
        ? (report.at - accept.lastAnswerAt) / 1000
        : undefined,
      perSecond: seconds ? emails / seconds : undefined,
      serverCpuUsPerEmail: (serverSeconds * 1e6) / emails,
      otherCpuShare: Math.max(0, others / ((Date.now() - started) / 1000)),
      ...memoryAndErrors(server),
    };
  } finally {
    await server.kill();
  }
}

export function memoryAndErrors(server: ServerChild): {
  peakRssBytes: number;
  errorLogLines: number;
} {
  const peakRssBytes = Math.max(server.highWaterRss(), server.sampledPeakRss());
  // pino levels: 50 error, 60 fatal.
  const errorLogLines = readFileSync(server.logFile, 'utf8')
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line)).length;
  return { peakRssBytes, errorLogLines };
}

/**
 * The environment of a real server: its own data directory and a YAML overlay with the bench key,
 * one Resend provider (the fake), rate limits out of the way, listening on 127.0.0.1 only.
 * Everything else is config/default.yaml, logging at info included.
 */
export function realEnv(
  work: string,
  name: string,
  fake: FakeChild,
  real: RealServer = {},
): Record<string, string> {
  const dataDir = join(work, name);
  mkdirSync(dataDir, { recursive: true });
  const unlimited = { limit: 1_000_000_000, ttlMs: 1000 };
  const { concurrency } = real;
  const overlay = {
    server: { host: '127.0.0.1', ...real.server },
    auth: { keys: [{ id: KEY.id, secret: '${MAILOVER_BENCH_SECRET}', scopes: ['send', 'read'] }] },
    rateLimit: { default: unlimited, anonymous: unlimited },
    providers: [
      {
        id: 'resend-fake',
        type: 'resend',
        baseUrl: fake.url,
        apiKey: FAKE_API_KEY,
        ...(concurrency ? { concurrency: concurrency.provider } : {}),
      },
    ],
    ...(concurrency ? { dispatch: { concurrency: concurrency.dispatch } } : {}),
  };
  const file = join(dataDir, 'bench.yaml');
  writeFileSync(file, stringify(overlay));
  return {
    MAILOVER_CONFIG: file,
    MAILOVER_DATA_DIR: dataDir,
    NODE_ENV: 'production',
    MAILOVER_BENCH_SECRET: KEY.secret,
  };
}
