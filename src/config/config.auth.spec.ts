import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.loader';

/** loadConfig's checks of the `auth` and `rateLimit` sections that span several settings. */
const dir = mkdtempSync(join(tmpdir(), 'mailover-config-auth-'));
function load(yaml: string, env: Record<string, string> = {}) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ MAILOVER_CONFIG: file, MAILOVER_DATA_DIR: dir, ...env });
}
function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    load(yaml, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

const SHORT = `auth:
  keys:
    - { id: app, secret: ${'s'.repeat(40)} }
    - { id: short-one, secret: only-31-characters-long-secret! }
`;

describe('loadConfig: auth', () => {
  it('refuses in production a key secret shorter than 32 characters, naming the key', () => {
    expect(problemsOf(SHORT, { NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(
        /^auth\.keys\[1\]\.secret: the secret of key "short-one" is shorter than 32/,
      ),
    ]);
    // Outside production it is allowed (tests and the quick start use short ones).
    expect(load(SHORT).auth.keys).toHaveLength(2);
  });

  it('takes a tenant per key, in the form of a key id', () => {
    const config = load(`auth:
  keys: [{ id: app-1, secret: x-secret-0123456789, tenant: acme }]
`);
    expect(config.auth.keys[0].tenant).toBe('acme');
    expect(
      problemsOf(`auth:
  keys: [{ id: app-2, secret: y-secret-0123456789, tenant: "not a tenant!" }]
`),
    ).toEqual(['auth.keys[0].tenant: must be 1 to 64 of [A-Za-z0-9_.-]']);
  });

  it('checks auth.legacyUnsigned: the key must exist and be enabled, every network must parse', () => {
    const config = load(`auth:
  keys: [{ id: legacy, secret: x-secret-0123456789, scopes: [send] }]
  legacyUnsigned: { allowFrom: [10.1.0.0/16, 127.0.0.1, "fd00::/8"], key: legacy }
`);
    expect(config.auth.legacyUnsigned).toEqual({
      allowFrom: ['10.1.0.0/16', '127.0.0.1', 'fd00::/8'],
      key: 'legacy',
    });
    expect(
      problemsOf(`auth:
  keys: [{ id: legacy, secret: x-secret-0123456789, disabled: true }]
  legacyUnsigned: { allowFrom: [10.0.0.0/33, 300.1.1.1, "10.0.0.0/8/8", 10.0.0.0/8], key: nobody }
`),
    ).toEqual([
      'auth.legacyUnsigned.key: names no key of auth.keys ("nobody")',
      'auth.legacyUnsigned.allowFrom[0]: "10.0.0.0/33" is not an IP address or CIDR (like 10.0.0.0/8)',
      'auth.legacyUnsigned.allowFrom[1]: "300.1.1.1" is not an IP address or CIDR (like 10.0.0.0/8)',
      'auth.legacyUnsigned.allowFrom[2]: "10.0.0.0/8/8" is not an IP address or CIDR (like 10.0.0.0/8)',
    ]);
    expect(
      problemsOf(`auth:
  keys: [{ id: legacy, secret: x-secret-0123456789, disabled: true }]
  legacyUnsigned: { allowFrom: [], key: legacy }
`),
    ).toEqual([
      'auth.legacyUnsigned.allowFrom: must list at least one network',
      'auth.legacyUnsigned.key: the key "legacy" is disabled',
    ]);
  });

  it('keeps rate limits of keys named __proto__ and constructor as plain entries', () => {
    const config = load(`rateLimit:
  perKey:
    __proto__: { limit: 2, ttlMs: 1000 }
    constructor: { limit: 3, ttlMs: 1000 }
`);
    const perKey = config.rateLimit.perKey;
    expect(Object.hasOwn(perKey, '__proto__')).toBe(true);
    expect(perKey['__proto__']).toMatchObject({ limit: 2 });
    expect(perKey['constructor']).toMatchObject({ limit: 3 });
    expect(Object.keys(perKey)).toEqual(['__proto__', 'constructor']);
  });
});
