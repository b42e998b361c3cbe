import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { stringify } from 'yaml';
import { Secret } from '../domain/secret';
import { MailgunOptions } from '../providers/mailgun/mailgun.options';
import { ConfigError, loadConfig, replicaWarnings } from './config.loader';

const dir = mkdtempSync(join(tmpdir(), 'mailover-config-'));
function overlay(yaml: string): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return file;
}
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('boots on the defaults with the sandbox provider under the data directory', () => {
    const config = loadConfig({ MAILOVER_DATA_DIR: dir });
    expect(config.server.port).toBe(3000);
    expect(config.store.driver).toBe('sqlite');
    expect(config.providers).toHaveLength(1);
    expect(config.providers[0]).toMatchObject({
      id: 'sandbox',
      type: 'sandbox',
      directory: join(dir, 'outbox'),
    });
  });

  it('overlays a file, expands ${NAME} from the environment and applies PORT', () => {
    const file = overlay(`
providers:
  - id: mailgun-eu
    type: mailgun
    baseUrl: https://api.eu.mailgun.net
    apiKey: \${MAILGUN_API_KEY}
    domain: mg.example.com
    priority: 1
  - id: relay
    type: smtp
    host: \${SMTP_HOST:-127.0.0.1}
    port: 2525
    secure: "false"
dispatch:
  breaker: { consecutiveFailures: 3 }
`);
    const config = loadConfig({
      MAILOVER_CONFIG: file,
      MAILGUN_API_KEY: 'key-canary-123456',
      PORT: '8081',
    });
    expect(config.server.port).toBe(8081);
    expect(config.dispatch.breaker.consecutiveFailures).toBe(3);
    expect(config.dispatch.breaker.halfOpenAfterMs).toBe(30_000); // merged, not replaced
    expect(config.providers.map((p) => p.id)).toEqual(['mailgun-eu', 'relay']);
    const mailgun = config.providers[0] as MailgunOptions;
    expect(mailgun).toBeInstanceOf(MailgunOptions);
    expect(mailgun.apiKey.reveal()).toBe('key-canary-123456');
    expect(config.providers[1]).toMatchObject({ host: '127.0.0.1', port: 2525, secure: false });
    const printed = `${inspect(config, { depth: 10 })} ${JSON.stringify(config)} ${String(mailgun.apiKey)}`;
    expect(printed).not.toContain('key-canary-123456');
  });

  it('lists every problem with its key path', () => {
    const file = overlay(`
providers:
  - { id: a, type: sandbox }
  - { id: b, type: mailgun, domain: mg.example.com }
  - { id: c, type: postmark, apiKey: "\${UNSET_VARIABLE}" }
  - { id: a, type: carrier-pigeon }
  - { id: d, type: ses, region: mars, accessKeyId: x, secretAccessKey: y, timeoutMs: 5 }
store: { driver: postgres }
server: { colour: blue }
`);
    expect(problemsOf({ MAILOVER_CONFIG: file })).toEqual(
      expect.arrayContaining([
        'providers[1].apiKey: must be set',
        'providers[2].serverToken: must be set',
        'providers[2].apiKey: is not a setting of type postmark',
        expect.stringMatching(/^providers\[3\]\.type: must be one of mailgun, /),
        'providers[3].id: duplicates another provider\'s id "a"',
        'providers[4].region: must be an AWS region like eu-west-1',
        expect.stringMatching(/^providers\[4\]\.timeoutMs: /),
        'store.postgresUrl: must be set',
        'server.colour: is not a known setting',
      ]),
    );
  });

  it('refuses an api or worker role on SQLite, and warns of per-process rate limits on shared PostgreSQL', () => {
    expect(problemsOf({ MAILOVER_DATA_DIR: dir, MAILOVER_ROLE: 'worker' })).toEqual([
      'server.role: worker runs beside other replicas on a shared store: set store.driver to postgres (a SQLite file belongs to one process, role all)',
    ]);
    const pg = overlay('store: { driver: postgres, postgresUrl: "postgres://127.0.0.1/x" }');
    const env = { MAILOVER_CONFIG: pg, MAILOVER_DATA_DIR: dir, MAILOVER_ROLE: 'api' };
    expect(replicaWarnings(loadConfig(env))).toEqual([]);
    const production = loadConfig({ ...env, NODE_ENV: 'production' });
    expect(replicaWarnings(production)).toEqual([
      expect.stringMatching(/^rateLimit\.storage is memory on a shared PostgreSQL store/),
    ]);
  });

  it('accepts a lease shorter than the slowest round (the worker renews it), and takes MAILOVER_ROLE', () => {
    const file = overlay(`
dispatch: { leaseMs: 15000 }
store: { driver: postgres, postgresUrl: "postgres://127.0.0.1/x" }
providers:
  - { id: a, type: sandbox, timeoutMs: 10000 }
  - { id: b, type: sandbox, timeoutMs: 10000 }
`);
    const config = loadConfig({
      MAILOVER_CONFIG: file,
      MAILOVER_DATA_DIR: dir,
      MAILOVER_ROLE: 'api',
    });
    expect(config.dispatch.leaseMs).toBe(15000);
    expect(config.server.role).toBe('api');
    expect(problemsOf({ MAILOVER_DATA_DIR: dir, MAILOVER_ROLE: 'both' })).toEqual([
      'server.role: must be one of all, api, worker',
    ]);
  });

  it('tunes the heap by default, and bounds the tuning', () => {
    expect(loadConfig({ MAILOVER_DATA_DIR: dir }).server.heapGrowingPercent).toBe(50);
    const off = overlay('server: { heapGrowingPercent: 0 }');
    expect(loadConfig({ MAILOVER_CONFIG: off }).server.heapGrowingPercent).toBe(0);
    const wild = overlay('server: { heapGrowingPercent: -1 }');
    expect(problemsOf({ MAILOVER_CONFIG: wild })).toEqual([
      expect.stringMatching(/^server\.heapGrowingPercent: /),
    ]);
  });

  it('reports an unreadable overlay file', () => {
    expect(problemsOf({ MAILOVER_CONFIG: join(dir, 'missing.yaml') })[0]).toMatch(
      /missing\.yaml: ENOENT/,
    );
  });

  it('boots an SMTP relay with requireTls: false (documented, and read by the adapter)', () => {
    const file = overlay(`
providers:
  - { id: relay, type: smtp, host: 127.0.0.1, port: 2525, requireTls: false }
`);
    expect(loadConfig({ MAILOVER_CONFIG: file }).providers[0]).toMatchObject({ requireTls: false });
  });
});

/** A valid value for every setting name the README's provider table may name. */
const EXAMPLES: Record<string, unknown> = {
  enabled: false,
  priority: 2,
  weight: 3,
  timeoutMs: 4000,
  concurrency: 7,
  apiKey: 'api-key-example',
  domain: 'mg.example.test',
  baseUrl: 'http://127.0.0.1:9/api',
  region: 'eu-west-1',
  accessKeyId: 'AKIAEXAMPLE',
  secretAccessKey: 'secret-access-key-example',
  sessionToken: 'session-token-example',
  endpoint: 'http://127.0.0.1:9/ses',
  configurationSet: 'transactional',
  serverToken: 'server-token-example',
  messageStream: 'outbound-2',
  host: 'smtp.example.test',
  port: 2525,
  secure: true,
  requireTls: false,
  user: 'mailer',
  pass: 'smtp-pass-example',
  pool: 3,
  tlsRejectUnauthorized: false,
  directory: join(dir, 'elsewhere'),
};

/** `type -> settings` as the README's generated table names them. */
function readmeSettings(): Map<string, string[]> {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const table = readme.slice(
    readme.indexOf('<!-- provider-table'),
    readme.indexOf('<!-- /provider-table'),
  );
  const rows = new Map<string, string[]>();
  for (const line of table.split('\n')) {
    const cells = line.split(' | ');
    const type = /^\| `([a-z0-9-]+)`$/.exec(cells[0])?.[1];
    if (type)
      rows.set(
        type,
        [...cells[1].matchAll(/(?:^|, )`(\w+)`/g)].map((m) => m[1]),
      );
  }
  return rows;
}

describe("loadConfig and the README's provider table", () => {
  const rows = readmeSettings();

  it('names every shipped type', () => {
    expect([...rows.keys()].sort()).toEqual([
      'mailgun',
      'mandrill',
      'postmark',
      'resend',
      'sandbox',
      'sendgrid',
      'ses',
      'smtp',
      'sparkpost',
    ]);
  });

  it.each([...rows.entries()])('round-trips every setting of %s the table names', (type, names) => {
    const common = ['enabled', 'priority', 'weight', 'timeoutMs', 'concurrency'];
    const entry: Record<string, unknown> = { id: `${type}-1`, type };
    for (const name of [...common, ...names]) {
      expect(EXAMPLES).toHaveProperty([name]);
      entry[name] = EXAMPLES[name];
    }
    const config = loadConfig({ MAILOVER_CONFIG: overlay(stringify({ providers: [entry] })) });
    const loaded = config.providers[0] as unknown as Record<string, unknown>;
    const read = Object.fromEntries(
      Object.keys(entry).map((k) => [
        k,
        loaded[k] instanceof Secret ? (loaded[k] as Secret).reveal() : loaded[k],
      ]),
    );
    expect(read).toEqual(entry);
  });

  it('names an unset ${VAR} and where it is used', () => {
    const file = overlay('store: { driver: postgres, postgresUrl: "${NO_SUCH_DATABASE_URL}" }');
    expect(problemsOf({ MAILOVER_CONFIG: file })).toContain(
      'store.postgresUrl: ${NO_SUCH_DATABASE_URL} is not set in the environment (${NO_SUCH_DATABASE_URL:-} allows it to be empty)',
    );
    const fallback = overlay('logging: { level: "${NO_SUCH_LEVEL:-warn}" }');
    expect(loadConfig({ MAILOVER_CONFIG: fallback }).logging.level).toBe('warn');
  });

  it.each(['abc', '-1', '70000', '80 80', ''])(
    'answers PORT=%j with one line naming PORT',
    (port) => {
      expect(problemsOf({ PORT: port })).toEqual([
        `PORT: must be a port number from 0 to 65535 (is "${port}")`,
      ]);
    },
  );

  it('shows the offending line of a YAML syntax error', () => {
    const file = overlay('server:\n  port: 3000\n  host: [0.0.0.0\nstore: {}\n');
    const [problem] = problemsOf({ MAILOVER_CONFIG: file });
    const [first, shown, caret] = problem.split('\n');
    expect(first.startsWith(`${file}:`)).toBe(true);
    expect(first).toMatch(/:\d+:\d+: \S/);
    expect(shown).toMatch(/^ {2}\d+ \| (  host: \[0\.0\.0\.0|store: \{\})$/);
    expect(caret).toMatch(/^ +\^$/);
  });

  it('suggests the closest known setting for an unknown key', () => {
    const file = overlay(`
server: { prot: 3000, requestTimeoutMS: 1000, zzzzzz: 1 }
dispach: {}
providers:
  - { id: m, type: mailgun, apiKey: k, domian: mg.example.com }
`);
    expect(problemsOf({ MAILOVER_CONFIG: file })).toEqual(
      expect.arrayContaining([
        'server.prot: is not a known setting; did you mean "port"?',
        'server.requestTimeoutMS: is not a known setting; did you mean "requestTimeoutMs"?',
        'server.zzzzzz: is not a known setting',
        'dispach: is not a known setting; did you mean "dispatch"?',
        'providers[0].domian: is not a setting of type mailgun; did you mean "domain"?',
      ]),
    );
  });
});
