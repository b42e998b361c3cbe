import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** `node` with ts-node (transpile only) for the bench's own TypeScript entry points. */
export const TS_NODE = ['-r', 'ts-node/register/transpile-only'];

/** A server under test in its own process, with its memory sampled from /proc. */
export interface ServerChild {
  url: string;
  pid: number;
  /** Where its stdout and stderr go (its logs). */
  logFile: string;
  /** Highest VmRSS seen by the 100 ms sampler, in bytes. */
  sampledPeakRss(): number;
  /** The kernel's high-water mark of its resident set (VmHWM), in bytes; 0 once it has exited. */
  highWaterRss(): number;
  /** CPU time (user + system) it has used so far, in seconds. */
  cpuSeconds(): number;
  /** SIGKILL (its data directory is thrown away) and waits for the exit. */
  kill(): Promise<void>;
}

/** One field of /proc/<pid>/status in bytes (VmRSS, VmHWM), or 0 when the process is gone. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds of a process (/proc/<pid>/stat fields 14 and 15), 0 once it is gone. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds the whole machine has spent busy (user, nice, system, irq, softirq, steal; from
 * /proc/stat), to tell how much of it went to processes other than the benchmark's.
 */
export function machineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** USER_HZ: 100 on every Linux platform Node runs on. */
const CLOCK_TICKS = 100;

/**
 * Starts `node <args>` with exactly `env` (plus PATH), output to `logFile`, and waits until
 * `url` answers any HTTP response (at most `readyMs`).
 */
export async function startServer(
  args: string[],
  env: Record<string, string>,
  port: number,
  logFile: string,
  readyMs = 30_000,
): Promise<ServerChild> {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, procStatusBytes(pid, 'VmRSS'))), 100);
  void exited.then(() => clearInterval(sampler));
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilAnswering(url, child, readyMs, logFile);
  } catch (e) {
    clearInterval(sampler);
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
  return {
    url,
    pid,
    logFile,
    sampledPeakRss: () => Math.max(peak, procStatusBytes(pid, 'VmRSS')),
    highWaterRss: () => procStatusBytes(pid, 'VmHWM'),
    cpuSeconds: () => procCpuSeconds(pid),
    kill: async () => {
      clearInterval(sampler);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function untilAnswering(
  url: string,
  child: ChildProcess,
  ms: number,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited before it answered; its output:\n${tail(logFile)}`);
    }
    try {
      await fetch(url + '/health/live', { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`the server did not answer within ${ms} ms; its output:\n${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The last lines of a log file. */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}
