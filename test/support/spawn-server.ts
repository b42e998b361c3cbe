import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Mailover's real entry point (src/main.ts) in a child process, with its output captured. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  stdout(): string;
  /** SIGTERM, then the exit code once it has exited (0 after a clean shutdown). */
  stop(): Promise<number | null>;
  /** Resolves with the exit code if the process ends by itself. */
  exited: Promise<number | null>;
}

/** A free port on 127.0.0.1 (main.ts takes its port from PORT). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the built server (dist/main.js, compiled by the e2e tier's globalSetup) with exactly
 * this environment, on `port` (a restart reuses its predecessor's) or a free one.
 */
export async function spawnServer(
  env: Record<string, string>,
  port?: number,
  options: { umask?: number } = {},
): Promise<ServerProcess> {
  port ??= await freePort();
  const main = join(ROOT, 'dist', 'main.js');
  // With a umask: through sh, which sets it and then becomes the server (exec), same pid.
  const [command, args] =
    options.umask === undefined
      ? [process.execPath, [main]]
      : [
          '/bin/sh',
          [
            '-c',
            `umask ${options.umask.toString(8).padStart(3, '0')} && exec "$0" "$1"`,
            process.execPath,
            main,
          ],
        ];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    stdout: () => stdout,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Waits for /health/live (or another probe) to answer 200, or for the process to exit (then throws with its output). */
export async function whenLive(
  server: ServerProcess,
  ms = 60_000,
  probe = '/health/live',
): Promise<void> {
  const deadline = Date.now() + ms;
  let ended = false;
  void server.exited.then(() => (ended = true));
  for (;;) {
    if (ended) throw new Error(`the server exited before it was live:\n${server.output()}`);
    try {
      if ((await fetch(`${server.url}${probe}`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`the server was not live within ${ms} ms:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
