import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { FakeCommand, FakeReport } from './fake-protocol';
import { procCpuSeconds, ROOT, TS_NODE } from './children';

/** The fake provider running in its own process (bench/fake-provider.ts). */
export interface FakeChild {
  url: string;
  /** CPU seconds the fake has used so far. */
  cpuSeconds(): number;
  /**
   * Starts counting afresh and resolves once `count` distinct emails have arrived (with when the
   * last and the first did), or after `ms` with how many had.
   */
  expect(count: number, ms: number): { done: Promise<DeliveryReport> };
  /** How many distinct emails have arrived since the last `expect`. */
  stats(): Promise<Extract<DeliveryReport, { complete: false }>>;
  stop(): Promise<void>;
}

export type DeliveryReport =
  | { complete: true; at: number; firstAt: number; distinct: number }
  | { complete: false; distinct: number; received: number };

export async function startFake(latencyMs: number): Promise<FakeChild> {
  const child: ChildProcess = fork(join(ROOT, 'bench', 'fake-provider.ts'), [String(latencyMs)], {
    cwd: ROOT,
    execArgv: TS_NODE,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T extends FakeReport['type']>(type: T, ms: number) =>
    new Promise<Extract<FakeReport, { type: T }> | undefined>((resolve) => {
      const onMessage = (m: FakeReport) => {
        if (m.type !== type) return;
        finish(m as Extract<FakeReport, { type: T }>);
      };
      // Unreferenced: a wait that is no longer wanted never keeps the benchmark alive.
      const timer = setTimeout(() => finish(undefined), ms).unref();
      const finish = (m: Extract<FakeReport, { type: T }> | undefined) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
    });
  const send = (command: FakeCommand) => child.send(command);

  const stats = async () => {
    const answer = next('stats', 5000);
    send({ type: 'stats' });
    const s = await answer;
    return { complete: false as const, distinct: s?.distinct ?? 0, received: s?.received ?? 0 };
  };

  const ready = await next('ready', 30_000);
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error('the fake provider did not start within 30 s');
  }
  return {
    url: ready.url,
    cpuSeconds: () => procCpuSeconds(child.pid ?? 0),
    expect(count, ms) {
      const done = next('done', ms);
      send({ type: 'expect', count });
      return {
        done: done.then(async (report): Promise<DeliveryReport> =>
          report
            ? { complete: true, at: report.at, firstAt: report.firstAt, distinct: report.distinct }
            : stats(),
        ),
      };
    },
    stats,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
