import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { ConfigError } from '../config/config.loader';
import { AppConfig } from '../config/config.schema';
import { ensureApiKeys, FIRST_RUN_KEY_FILE } from './first-run-key';

function config(patch: Record<string, unknown> = {}): AppConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailover-key-'));
  return plainToInstance(
    AppConfig,
    { dataDir, environment: 'development', ...patch },
    { exposeDefaultValues: true },
  );
}

describe('ensureApiKeys (first run)', () => {
  it('creates one key with every scope, keeps it mode 0600, and prints it only when created', () => {
    const first = config();
    const printed: string[] = [];
    ensureApiKeys(first, (t) => printed.push(t));

    expect(first.auth.keys).toHaveLength(1);
    const key = first.auth.keys[0];
    expect(key.scopes).toEqual(['send', 'read', 'admin']);
    expect(key.secret.reveal()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(first.dataDir, FIRST_RUN_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(printed.join('')).toContain(`key id:  ${key.id}`);
    expect(printed.join('')).toContain(`secret:  ${key.secret.reveal()}`);

    // The next start uses the same key and prints nothing.
    const again = config({ dataDir: first.dataDir });
    const printedAgain: string[] = [];
    ensureApiKeys(again, (t) => printedAgain.push(t));
    expect(printedAgain).toEqual([]);
    expect(again.auth.keys[0].id).toBe(key.id);
    expect(again.auth.keys[0].secret.reveal()).toBe(key.secret.reveal());
  });

  it('leaves configured keys alone and creates nothing', () => {
    const c = config({
      auth: { keys: [{ id: 'app', secret: 'configured-secret', scopes: ['send'] }] },
    });
    const printed: string[] = [];
    ensureApiKeys(c, (t) => printed.push(t));
    expect(c.auth.keys.map((k) => k.id)).toEqual(['app']);
    expect(printed).toEqual([]);
    expect(() => readFileSync(join(c.dataDir, FIRST_RUN_KEY_FILE))).toThrow(/ENOENT/);
  });

  it('refuses to start in production without keys, naming the reason', () => {
    const c = config({ environment: 'production' });
    let error: unknown;
    try {
      ensureApiKeys(c, () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(
      /^auth\.keys: no API keys are configured; in production/,
    );
    expect(() => readFileSync(join(c.dataDir, FIRST_RUN_KEY_FILE))).toThrow(/ENOENT/);
  });

  it('tightens a key file whose mode was loosened, and refuses a corrupt one', () => {
    const c = config();
    ensureApiKeys(c, () => undefined);
    const file = join(c.dataDir, FIRST_RUN_KEY_FILE);
    chmodSync(file, 0o644);
    ensureApiKeys(config({ dataDir: c.dataDir }), () => undefined);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    writeFileSync(file, 'not json');
    expect(() => ensureApiKeys(config({ dataDir: c.dataDir }), () => undefined)).toThrow(
      ConfigError,
    );
  });
});
