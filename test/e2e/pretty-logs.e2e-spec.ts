import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnServer, type ServerProcess, whenLive } from '../support/spawn-server';
import { eventually } from '../support/test-app';

/** `logging.pretty: true` prints lines for a human (pino-pretty), not JSON. */
describe('pretty logs', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailover-pretty-'));
    const configFile = join(dataDir, 'config.yaml');
    writeFileSync(configFile, stringify({ logging: { level: 'info', pretty: true } }));
    server = await spawnServer({ MAILOVER_CONFIG: configFile, MAILOVER_DATA_DIR: dataDir });
    await whenLive(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('writes an access line as readable text with its level and fields', async () => {
    const res = await fetch(`${server.url}/v1/emails/01HF7YAT004CD92RY3QC0W6NRJ`);
    expect(res.status).toBe(401);
    // The whole entry: its first line, then its fields indented below it.
    const entry = await eventually(
      async () =>
        /^\[[^\]]+\] WARN: request completed\n[\s\S]*?responseTime: \d+/m.exec(
          server.stdout(),
        )?.[0],
      10_000,
      'the access line',
    );
    expect(entry).toContain('"path": "/v1/emails/01HF7YAT004CD92RY3QC0W6NRJ"');
    expect(entry).toContain('"status": 401');
    const lines = server.stdout().split('\n');
    expect(lines.some((l) => l.trimStart().startsWith('{"level"'))).toBe(false);
  });
});
