import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/spawn-server';
import { eventually } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');

/** The README's run command, `npm start`, as a user runs it (dist/ is built by the e2e setup). */
describe('npm start', () => {
  it('starts without rebuilding an up-to-date dist/, and stops when npm gets SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        PORT: String(port),
        NODE_ENV: 'development',
        MAILOVER_DATA_DIR: mkdtempSync(join(tmpdir(), 'mailover-npm-start-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    npm.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => npm.on('close', resolve));
    try {
      await eventually(
        () =>
          fetch(`${url}/health/live`).then(
            (r) => r.status === 200,
            () => false,
          ),
        60_000,
        `npm start to be live:\n${output}`,
      );
      expect(output).toContain('dist/ is up to date');
      expect(output).not.toContain('building dist/');
    } finally {
      npm.kill('SIGTERM');
    }
    await exited;
    // The server went with npm: nothing answers on its port any more.
    await eventually(
      () =>
        fetch(`${url}/health/live`).then(
          () => false,
          () => true,
        ),
      15_000,
      'the server to stop after npm got SIGTERM',
    );
  });
});
