import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { ConfigError } from '../config/config.loader';
import { type AppConfig, AuthKeyConfig } from '../config/config.schema';

/** Where the first-run key is kept, inside the data directory. */
export const FIRST_RUN_KEY_FILE = 'api-key.json';

interface StoredKey {
  id: string;
  secret: string;
  scopes: Array<'send' | 'read' | 'admin'>;
}

/**
 * With no `auth.keys`: in production, refuses to start (a ConfigError naming the reason);
 * otherwise uses the key kept in `<dataDir>/api-key.json` (mode 0600), creating it on the
 * first run and printing its id and secret that one time, so the quick start works.
 * Called by main.ts between loading the config and building the app.
 */
export function ensureApiKeys(config: AppConfig, print: (text: string) => void): void {
  if (config.auth.keys.length > 0) return;
  if (config.environment === 'production') {
    throw new ConfigError([
      'auth.keys: no API keys are configured; in production (NODE_ENV=production) Mailover needs at least one ' +
        '(auth.keys: [{ id, secret: ${ENV_NAME}, scopes: [send, read] }])',
    ]);
  }
  const file = join(config.dataDir, FIRST_RUN_KEY_FILE);
  let key = readStoredKey(file);
  if (!key) {
    key = {
      id: `local-${randomBytes(4).toString('hex')}`,
      secret: randomBytes(32).toString('base64url'),
      scopes: ['send', 'read', 'admin'],
    };
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    // 'wx': never overwrite a key another process just created.
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    print(
      [
        '',
        'Mailover created an API key, as no auth.keys are configured. It is shown only this once:',
        '',
        `  key id:  ${key.id}`,
        `  secret:  ${key.secret}`,
        `  scopes:  ${key.scopes.join(', ')}`,
        '',
        `It is kept in ${file} (mode 0600). Configure auth.keys before production; see docs/signing.md.`,
        '',
        '',
      ].join('\n'),
    );
  }
  config.auth.keys.push(plainToInstance(AuthKeyConfig, { ...key, disabled: false }));
}

function readStoredKey(file: string): StoredKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError([`${file}: cannot be read (${(e as NodeJS.ErrnoException).code})`]);
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  try {
    const key = JSON.parse(text) as StoredKey;
    if (typeof key.id === 'string' && typeof key.secret === 'string' && Array.isArray(key.scopes))
      return key;
  } catch {
    // reported below
  }
  throw new ConfigError([`${file}: is not a Mailover API key file; remove it to create a new key`]);
}
