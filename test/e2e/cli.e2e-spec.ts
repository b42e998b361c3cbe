import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run } from '../../src/cli/mailover';
import { MailoverClient } from '../../src/client/mailover-client';
import { startTestApp, type TestApp } from '../support/test-app';

const exec = promisify(execFile);
const KEY = { id: 'cli-key', secret: 'cli-secret-0123456789abcdef0123', scopes: ['send', 'read'] };
const ROOT = join(__dirname, '..', '..');

describe('the mailover command', () => {
  let app: TestApp;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    app = await startTestApp({ auth: { keys: [KEY] } });
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
});
