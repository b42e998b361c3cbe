import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailoverClient } from '../../src/client/mailover-client';
import { spawnServer, whenLive } from '../support/spawn-server';

/** The real entry point (src/main.ts) with no keys configured. */
describe('first run without keys', () => {
  it('outside production: creates a key, prints it once, and the printed key works', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailover-first-run-'));
    const env = { NODE_ENV: 'development', MAILOVER_DATA_DIR: dataDir };

    const first = await spawnServer(env);
    let id: string;
    let secret: string;
    try {
      await whenLive(first);
      const printed = first.stdout();
      id = /key id:\s+(\S+)/.exec(printed)![1];
      secret = /secret:\s+(\S+)/.exec(printed)![1];
      expect(printed).toMatch(/scopes:\s+send, read, admin/);
      expect(statSync(join(dataDir, 'api-key.json')).mode & 0o777).toBe(0o600);
      const client = new MailoverClient({ baseUrl: first.url, keyId: id, secret });
      expect((await client.listProviders()).items.length).toBeGreaterThan(0);
    } finally {
      await first.stop();
    }

    const second = await spawnServer(env);
    try {
      await whenLive(second);
      expect(second.output()).not.toContain(secret);
      expect(second.output()).not.toMatch(/key id:/);
      // The same key still works.
      const client = new MailoverClient({ baseUrl: second.url, keyId: id, secret });
      expect((await client.listProviders()).items.length).toBeGreaterThan(0);
    } finally {
      await second.stop();
    }
  });

  it('in production: refuses to start, naming the reason', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailover-first-run-'));
    const server = await spawnServer({ NODE_ENV: 'production', MAILOVER_DATA_DIR: dataDir });
    const code = await server.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(server.output()).toMatch(/auth\.keys: no API keys are configured; in production/);
    expect(server.output()).not.toMatch(/key id:/);
    expect(() => statSync(join(dataDir, 'api-key.json'))).toThrow(/ENOENT/);
  });
});
