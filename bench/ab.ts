/**
 * Interleaved A/B pairs (`npm run bench:ab`, and the last section of `npm run bench`): each
 * question is answered by PAIRS pairs of fresh servers on the same machine, run alternately (A B,
 * then B A, ...), so a machine that slows down or speeds up during the run weighs on both sides
 * alike. A figure is the median over the pairs of B's result over A's in the same pair.
 *
 * - The previous release (the last commit of 2026-11-28, built once into the temp directory)
 *   against this tree: delivery and signed ingest, the "no regression" check of issue 9.
 * - The hardening merge (issue 8) against this tree: the same, with the durable replay cache and
 *   tenancy on both sides, so what came after is measured on its own.
 *
 * `BENCH_AB_ONLY=1,2` answers only those questions (numbered from 1, in this order).
 * - The HTTP thread (`server.httpThread`) on against off: whether the thread pays for itself.
 * - V8's heap growth (`server.heapGrowingPercent` 50 against 0, V8's own): memory against speed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/children';
import { baselineServer, BASELINE_REF, HARDENING_REF } from './support/baseline';
import { emailBody } from './support/email-body';
import { type FakeChild, startFake } from './support/fake-child';
import {
  delivery,
  type DeliveryRun,
  ingest,
  KEY,
  PROVIDER_LATENCY_MS,
  REAL_SERVER,
  realEnv,
  type RealServer,
  type ServerRun,
} from './support/runs';

const PAIRS = Number(process.env.BENCH_AB_PAIRS ?? 3);
const AB_EMAILS = 10_000;
const HELD_SECONDS = 5;
/** B/A within this of 1 is noise between pairs, not a change. */
const NOISE = 0.05;

interface Variant {
  label: string;
  real: RealServer;
}

interface Question {
  name: string;
  a: Variant;
  b: Variant;
  /** Also a held (nothing due) signed ingest run per side. */
  ingest: boolean;
}

interface Side {
  delivery: DeliveryRun;
  held?: ServerRun;
}

export interface Pair {
  order: 'AB' | 'BA';
  a: Side;
  b: Side;
}

export interface Answer {
  question: string;
  a: string;
  b: string;
  pairs: Pair[];
}

const progress = (text: string) => process.stderr.write(`bench ab: ${text}\n`);

const ONLY = process.env.BENCH_AB_ONLY?.split(',').map(Number);

export function questions(): Question[] {
  const built = (ref: string) => [baselineServer(ref, progress)];
  const all: Array<() => Question> = [
    () => ({
      name: 'no regression against the previous release',
      a: {
        label: `previous release ${BASELINE_REF.slice(0, 7)}`,
        real: { args: built(BASELINE_REF) },
      },
      b: { label: 'this tree', real: { args: REAL_SERVER } },
      ingest: true,
    }),
    () => ({
      name: 'what came after the hardening',
      a: {
        label: `hardening merge ${HARDENING_REF.slice(0, 7)}`,
        real: { args: built(HARDENING_REF) },
      },
      b: { label: 'this tree', real: { args: REAL_SERVER } },
      ingest: true,
    }),
    () => ({
      name: 'does the HTTP thread pay for itself',
      a: { label: 'server.httpThread: false (default)', real: { server: { httpThread: false } } },
      b: { label: 'server.httpThread: true', real: { server: { httpThread: true } } },
      ingest: false,
    }),
    () => ({
      name: "V8's heap growth",
      a: {
        label: 'server.heapGrowingPercent: 0 (V8)',
        real: { server: { heapGrowingPercent: 0 } },
      },
      b: { label: 'server.heapGrowingPercent: 50 (default)', real: { server: {} } },
      ingest: false,
    }),
  ];
  // A baseline is built only when its question is asked.
  return all.filter((_, i) => !ONLY || ONLY.includes(i + 1)).map((q) => q());
}

export async function abPairs(fake: FakeChild, work: string): Promise<Answer[]> {
  const body = emailBody();
  const heldBody = emailBody({ sendAt: new Date(Date.now() + 86_400_000).toISOString() });
  const answers: Answer[] = [];
  let n = 0;
  const side = async (q: Question, v: Variant): Promise<Side> => {
    const name = `ab-${++n}`;
    const run = await delivery(work, name, fake, body, v.real, AB_EMAILS);
    if (!q.ingest) return { delivery: run };
    const args = v.real.args ?? REAL_SERVER;
    const env = realEnv(work, `${name}-held`, fake, v.real);
    const held = await ingest(
      work,
      `${name}-held`,
      args,
      env,
      '/v1/emails',
      fake,
      KEY,
      heldBody,
      HELD_SECONDS,
    );
    return { delivery: run, held };
  };
  for (const q of questions()) {
    const pairs: Pair[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const order = i % 2 === 0 ? 'AB' : 'BA';
      progress(`${q.name}: pair ${i + 1} of ${PAIRS} (${order})`);
      if (order === 'AB') {
        const a = await side(q, q.a);
        pairs.push({ order, a, b: await side(q, q.b) });
      } else {
        const b = await side(q, q.b);
        pairs.push({ order, a: await side(q, q.a), b });
      }
    }
    answers.push({ question: q.name, a: q.a.label, b: q.b.label, pairs });
  }
  return answers;
}

// ---- output ----

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const int = (n: number | undefined) =>
  n === undefined ? '-' : Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const ratio = (x: number) => `${(x * 100).toFixed(1)} %`;

interface Figure {
  label: string;
  of: (s: Side) => number | undefined;
  show: (n: number) => string;
  /** More is better (else less is). */
  more: boolean;
}

const FIGURES: Figure[] = [
  { label: 'delivered emails/s', of: (s) => s.delivery.perSecond, show: int, more: true },
  {
    label: 'accepted req/s while delivering',
    of: (s) => s.delivery.accept.rps,
    show: int,
    more: true,
  },
  {
    label: 'server CPU us per email',
    of: (s) => s.delivery.serverCpuUsPerEmail,
    show: int,
    more: false,
  },
  { label: 'peak RSS', of: (s) => s.delivery.peakRssBytes, show: mb, more: false },
  { label: 'held signed ingest req/s', of: (s) => s.held?.load.rps, show: int, more: true },
];

export function abTable(answers: Answer[]): string {
  const out: string[] = [];
  out.push(
    `Interleaved A/B pairs: ${AB_EMAILS.toLocaleString('en-US')} emails per delivery run` +
      `, ${HELD_SECONDS} s held ingest runs; a fresh server per run; pairs alternate AB, BA, ...`,
  );
  for (const answer of answers) {
    out.push('', `${answer.question}`, `  A: ${answer.a}`, `  B: ${answer.b}`);
    for (const f of FIGURES) {
      const rows = answer.pairs
        .map((p) => [f.of(p.a), f.of(p.b)] as const)
        .filter((r): r is readonly [number, number] => r[0] !== undefined && r[1] !== undefined);
      if (rows.length === 0) continue;
      const pairsText = rows.map(([a, b]) => `${f.show(a)} / ${f.show(b)}`).join(';  ');
      const m = median(rows.map(([a, b]) => b / a));
      const better = f.more ? m > 1 + NOISE : m < 1 - NOISE;
      const worse = f.more ? m < 1 - NOISE : m > 1 + NOISE;
      const word = better ? 'B better' : worse ? 'B WORSE' : 'within noise';
      out.push(`  ${f.label.padEnd(34)} A / B per pair: ${pairsText}`);
      out.push(`  ${''.padEnd(34)} median B/A ${ratio(m)}: ${word}`);
    }
    const unfinished = answer.pairs
      .flatMap((p) => [p.a, p.b])
      .filter((s) => !s.delivery.report.complete);
    if (unfinished.length) out.push(`  ! ${unfinished.length} delivery runs did not finish`);
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'mailover-bench-ab-'));
  const fake = await startFake(PROVIDER_LATENCY_MS);
  try {
    const answers = await abPairs(fake, work);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench', 'results', 'ab.json'),
      JSON.stringify(
        { startedAt: new Date().toISOString(), cpus: cpus().length, answers },
        null,
        2,
      ) + '\n',
    );
    process.stdout.write(abTable(answers));
  } finally {
    await fake.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench ab: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
