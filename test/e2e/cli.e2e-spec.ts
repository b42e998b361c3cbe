import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run } from '../../src/cli/mailover';
import { MailoverClient } from '../../src/client/mailover-client';
import { FAST_DISPATCH, startTestApp, statusOf, TEST_KEY, type TestApp } from '../support/test-app';

const exec = promisify(execFile);
const KEY = {
  id: 'cli-key',
  secret: 'cli-secret-0123456789abcdef0123',
  scopes: ['send', 'read'],
  tenant: 'cli-app',
};
const ROOT = join(__dirname, '..', '..');

describe('the mailover command', () => {
  let app: TestApp;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    // TEST_KEY too: statusOf polls with it (the same tenant, so it sees the CLI's emails).
    app = await startTestApp({
      auth: { keys: [KEY, { ...TEST_KEY, scopes: ['read'], tenant: 'cli-app' }] },
      dispatch: FAST_DISPATCH,
    });
    env = { MAILOVER_URL: app.url, MAILOVER_KEY_ID: KEY.id, MAILOVER_KEY_SECRET: KEY.secret };
    dir = mkdtempSync(join(tmpdir(), 'mailover-cli-'));
  });

  afterAll(() => app.close());

  async function mailover(argv: string[], environment = env, stdin = Buffer.alloc(0)) {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, environment, {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      stdin: async () => stdin,
    });
    return { code, stdout, stderr };
  }

  it('sends an email, with the URL and key from the environment', async () => {
    const result = await mailover([
      'send',
      '--from',
      'ops@acme.test',
      '--to',
      'ann@example.com',
      '--to',
      'bob@example.com',
      '--subject',
      'Hello',
      '--text',
      'Hi there',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const accepted = JSON.parse(result.stdout) as { id: string; status: string };
    expect(accepted.status).toBe('queued');
    const client = new MailoverClient({ baseUrl: app.url, keyId: KEY.id, secret: KEY.secret });
    expect(await client.getEmail(accepted.id)).toMatchObject({
      subject: 'Hello',
      to: ['ann@example.com', 'bob@example.com'],
    });
  });

  it('takes the URL and key from flags too', async () => {
    const result = await mailover(
      [
        'send',
        '--url',
        app.url,
        '--key-id',
        KEY.id,
        '--secret',
        KEY.secret,
        '--from',
        'ops@acme.test',
        '--to',
        'ann@example.com',
        '--subject',
        'S',
        '--html',
        '<p>x</p>',
      ],
      {},
    );
    expect(result.code).toBe(0);
  });

  it('exits 1 with the problem when the API refuses', async () => {
    const result = await mailover(
      [
        'send',
        '--from',
        'ops@acme.test',
        '--to',
        'ann@example.com',
        '--subject',
        'S',
        '--text',
        'x',
      ],
      { ...env, MAILOVER_KEY_SECRET: 'wrong-secret-0123456789abcdef' },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Mailover answered 401/);
    expect(result.stderr).toMatch(/"status": 401/);
  });

  it('exits 2 and explains usage when something is missing', async () => {
    const result = await mailover(['send', '--to', 'ann@example.com'], { MAILOVER_URL: app.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /missing --key-id \(or MAILOVER_KEY_ID\), --secret \(or MAILOVER_KEY_SECRET\), --from/,
    );
    expect(result.stderr).toMatch(/Usage:/);
    expect((await mailover(['frobnicate'])).code).toBe(2);
  });

  it('signs for curl: the printed headers get a real curl request accepted', async () => {
    const bodyFile = join(dir, 'email.json');
    writeFileSync(
      bodyFile,
      JSON.stringify({
        from: 'ops@acme.test',
        to: 'ann@example.com',
        subject: 'From curl',
        text: 'Hi',
      }),
    );
    const signed = await mailover([
      'sign',
      '--method',
      'POST',
      '--path',
      '/v1/emails',
      '--body',
      bodyFile,
    ]);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(
      /^X-Mailover-Key: cli-key\nX-Mailover-Timestamp: \d+\nX-Mailover-Nonce: [\w-]{22}\nX-Mailover-Signature: v1=[0-9a-f]{64}\n$/,
    );
    const headersFile = join(dir, 'headers.txt');
    writeFileSync(headersFile, signed.stdout);
    const { stdout } = await exec('curl', [
      '-sS',
      '-w',
      '\n%{http_code}',
      '-H',
      `@${headersFile}`,
      '-H',
      'content-type: application/json',
      '--data-binary',
      `@${bodyFile}`,
      `${app.url}/v1/emails`,
    ]);
    expect(stdout.trim().split('\n').pop()).toBe('202');
  });

  it('signs a body from stdin, and bodyless requests with a query string', async () => {
    const body = Buffer.from('to=ann%40example.com&from=ops%40acme.test&subject=Hi&body=Hello');
    const signed = await mailover(
      ['sign', '--method', 'post', '--path', '/email', '--body', '-'],
      env,
      body,
    );
    const headers = Object.fromEntries(
      signed.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(': ') as [string, string]),
    );
    const legacy = await fetch(`${app.url}/email`, {
      method: 'POST',
      body,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(legacy.status).toBe(202);

    const list = await mailover(['sign', '--method', 'GET', '--path', '/v1/emails?limit=2']);
    const listHeaders = Object.fromEntries(
      list.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(': ') as [string, string]),
    );
    expect((await fetch(`${app.url}/v1/emails?limit=2`, { headers: listHeaders })).status).toBe(
      200,
    );
  });

  it('runs as a program (shebang, argv, exit code)', async () => {
    const cli = join(ROOT, 'src', 'cli', 'mailover.ts');
    const { stdout } = await exec(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        cli,
        'sign',
        '--method',
        'GET',
        '--path',
        '/v1/providers',
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
      },
    );
    const headers = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split(': ') as [string, string]),
    );
    expect((await fetch(`${app.url}/v1/providers`, { headers })).status).toBe(200);
    await expect(
      exec(process.execPath, ['-r', 'ts-node/register/transpile-only', cli, 'send'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
      }),
    ).rejects.toMatchObject({ code: 2 });
  });
  async function sendOne(subject: string, to: string, extra: string[] = []) {
    const result = await mailover([
      'send',
      '--from',
      'ops@acme.test',
      '--to',
      to,
      '--subject',
      subject,
      '--text',
      'x',
      ...extra,
    ]);
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { id: string }).id;
  }

  it('gets one email: aligned fields and its attempts, or the raw JSON with --json', async () => {
    const id = await sendOne('Receipt', 'get@example.com');
    await statusOf(app, id, ['sent']);
    const readable = await mailover(['get', id]);
    expect(readable).toMatchObject({ code: 0, stderr: '' });
    const lines = readable.stdout.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `id:         ${id}`,
        'status:     sent',
        'to:         get@example.com',
        'subject:    Receipt',
        'provider:   sandbox',
        'attempts:',
      ]),
    );
    expect(lines.find((l) => l.startsWith('AT'))).toMatch(
      /^AT\s+PROVIDER\s+OUTCOME\s+STATUS\s+MS\s+ERROR$/,
    );
    expect(lines.find((l) => / sandbox /.test(l) && / sent /.test(l))).toBeDefined();

    const json = await mailover(['get', id, '--json']);
    const email = JSON.parse(json.stdout) as { id: string; status: string; attempts: unknown[] };
    expect(email).toMatchObject({ id, status: 'sent' });
    expect(email.attempts).toHaveLength(1);
  });

  it('lists emails newest first with the filters, as a table or JSON', async () => {
    const first = await sendOne('First', 'list@example.com');
    const second = await sendOne('Second', 'list@example.com');
    await statusOf(app, first, ['sent']);
    await statusOf(app, second, ['sent']);
    const table = await mailover(['list', '--recipient', 'list@example.com', '--status', 'sent']);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+CREATED\s+TO\s+SUBJECT\s+PROVIDER$/);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual([second, first]);
    // Columns line up: every row's status starts where the header's does.
    for (const row of rows) expect(row.indexOf('sent')).toBe(header.indexOf('STATUS'));

    const page = await mailover([
      'list',
      '--recipient',
      'list@example.com',
      '--limit',
      '1',
      '--json',
    ]);
    const answer = JSON.parse(page.stdout) as { items: Array<{ id: string }>; nextCursor: string };
    expect(answer.items.map((e) => e.id)).toEqual([second]);
    const limited = await mailover(['list', '--recipient', 'list@example.com', '--limit', '1']);
    expect(limited.stdout).toContain(`more: --cursor ${answer.nextCursor}\n`);
    const next = await mailover([
      'list',
      '--recipient',
      'list@example.com',
      '--limit',
      '1',
      '--cursor',
      answer.nextCursor,
      '--json',
    ]);
    expect((JSON.parse(next.stdout) as { items: Array<{ id: string }> }).items[0].id).toBe(first);

    expect((await mailover(['list', '--provider', 'no-such-provider'])).stdout).toBe('no emails\n');
    expect(await mailover(['list', '--limit', 'ten'])).toMatchObject({ code: 2 });
  });

  it('cancels a scheduled email, and reports the 409 once it has been sent', async () => {
    const id = await sendOne('Later', 'cancel@example.com', [
      '--send-at',
      new Date(Date.now() + 3600_000).toISOString(),
    ]);
    expect(await mailover(['cancel', id])).toEqual({
      code: 0,
      stdout: `${id} cancelled\n`,
      stderr: '',
    });
    expect(JSON.parse((await mailover(['get', id, '--json'])).stdout)).toMatchObject({
      status: 'cancelled',
    });
    const sent = await sendOne('Now', 'cancel@example.com');
    await statusOf(app, sent, ['sent']);
    const refused = await mailover(['cancel', sent]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Mailover answered 409/);
    expect(await mailover(['cancel'])).toMatchObject({ code: 2 });
  });

  it('lists the providers with their circuit state', async () => {
    const result = await mailover(['providers']);
    expect(result.code).toBe(0);
    const [header, row] = result.stdout.split('\n');
    expect(header).toMatch(
      /^ID\s+TYPE\s+PRIORITY\s+WEIGHT\s+ENABLED\s+CIRCUIT\s+RECENT OK\s+LAST ERROR$/,
    );
    expect(row).toMatch(/^sandbox\s+sandbox\s+1\s+1\s+yes\s+closed\s/);
    const json = JSON.parse((await mailover(['providers', '--json'])).stdout) as {
      items: Array<{ id: string; circuit: string }>;
    };
    expect(json.items).toEqual([expect.objectContaining({ id: 'sandbox', circuit: 'closed' })]);
  });

  it('prints its version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await mailover(['--version'], {})).toEqual({
      code: 0,
      stdout: `mailover ${version}\n`,
      stderr: '',
    });
  });

  it('names the URL it could not reach', async () => {
    // A port that was just free: nothing listens there.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const url = `http://127.0.0.1:${closed}`;
    for (const argv of [['providers'], ['get', 'x'], ['list']]) {
      const result = await mailover(argv, { ...env, MAILOVER_URL: url });
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: `mailover: cannot reach Mailover at ${url}: ECONNREFUSED\n`,
      });
    }
  });
});
