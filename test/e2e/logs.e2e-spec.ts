import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MailoverClient } from '../../src/client/mailover-client';
import { signRequest } from '../../src/domain/signing';
import { ResendFake } from '../fakes/resend.fake';
import { spawnServer, type ServerProcess, whenLive } from '../support/spawn-server';
import { eventually } from '../support/test-app';

/**
 * Runs the real server (src/main.ts) with canary secrets at debug level, drives signed, bad,
 * replayed and failing-over requests through it, and reads everything it wrote to stdout and
 * stderr: no secret, no signature and no message content may appear there.
 */
describe('logs never contain secrets, signatures or message bodies', () => {
  const canary = (what: string) => `canary-${what}-${randomBytes(6).toString('hex')}`;
  // At least 32 characters: the server runs with NODE_ENV=production, which refuses shorter ones.
  const keySecret = canary('api-key-secret');
  const primaryKey = `re_${canary('primary-api-key')}`;
  const backupKey = `re_${canary('backup-api-key')}`;
  const subject = canary('subject');
  const text = canary('text-body');
  const html = `<p>${canary('html-body')}</p>`;
  const attachment = canary('attachment');
  const legacyBody = canary('legacy-body');
  const brokenJson = canary('broken-json');

  let primary: ResendFake;
  let backup: ResendFake;
  let server: ServerProcess;
  const signatures: string[] = [];
  let output = '';

  beforeAll(async () => {
    primary = new ResendFake({ apiKey: primaryKey });
    backup = new ResendFake({ apiKey: backupKey });
    await primary.start();
    await backup.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'mailover-logs-'));
    const configFile = join(dataDir, 'config.yaml');
    writeFileSync(
      configFile,
      stringify({
        logging: { level: 'debug', requests: 'all' },
        dispatch: { pollIntervalMs: 20, backoffBaseMs: 50, backoffMaxMs: 200 },
        auth: {
          keys: [{ id: 'log-key', secret: '${CANARY_KEY_SECRET}', scopes: ['send', 'read'] }],
        },
        providers: [
          {
            id: 'primary',
            type: 'resend',
            baseUrl: primary.url,
            apiKey: '${CANARY_PRIMARY_KEY}',
            priority: 1,
          },
          {
            id: 'backup',
            type: 'resend',
            baseUrl: backup.url,
            apiKey: '${CANARY_BACKUP_KEY}',
            priority: 2,
          },
        ],
      }),
    );
    server = await spawnServer({
      NODE_ENV: 'production',
      MAILOVER_CONFIG: configFile,
      MAILOVER_DATA_DIR: dataDir,
      CANARY_KEY_SECRET: keySecret,
      CANARY_PRIMARY_KEY: primaryKey,
      CANARY_BACKUP_KEY: backupKey,
    });
    await whenLive(server);
  });

  afterAll(async () => {
    await server?.stop();
    await primary?.stop();
    await backup?.stop();
  });

  /** A fetch that remembers every signature it sends. */
  const recordingFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const signature = headers.get('x-mailover-signature');
    if (signature) signatures.push(signature.slice(3));
    return fetch(input, init);
  };

  it('serves signed, refused, replayed and failed-over requests', async () => {
    const client = new MailoverClient({
      baseUrl: server.url,
      keyId: 'log-key',
      secret: keySecret,
      fetch: recordingFetch,
    });
    primary.inject({ kind: 'server-error' }, 1); // the first send fails over to the backup

    const email = {
      from: 'ops@acme.test',
      to: ['ann@example.com'],
      subject,
      text,
      html,
      attachments: [
        {
          filename: 'a.txt',
          contentType: 'text/plain',
          content: Buffer.from(attachment).toString('base64'),
        },
      ],
      metadata: { note: canary('metadata') },
    };
    const accepted = await client.sendEmail(email, { idempotencyKey: canary('idempotency') });
    // A replay: the same signed request (nonce and timestamp) twice.
    const replay = {
      nonce: 'log-test-replay-nonce-0001',
      timestamp: Math.floor(Date.now() / 1000),
    };
    expect((await client.request('POST', '/v1/emails', email, replay)).status).toBe(202);
    expect((await client.request('POST', '/v1/emails', email, replay)).status).toBe(401);

    const wrong = new MailoverClient({
      baseUrl: server.url,
      keyId: 'log-key',
      secret: `${keySecret}-wrong`,
      fetch: recordingFetch,
    });
    expect((await wrong.request('POST', '/v1/emails', email)).status).toBe(401);
    expect(
      (
        await client.request('POST', '/v1/emails', `{"text": "${brokenJson}`, {
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    const unsigned = await fetch(`${server.url}/v1/emails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"text": "${brokenJson}`,
    });
    expect(unsigned.status).toBe(401);
    const form = new URLSearchParams({
      to: 'ann@example.com',
      from: 'ops@acme.test',
      subject,
      body: legacyBody,
    });
    expect((await client.request('POST', '/email', form)).status).toBe(202);
    expect(
      (await client.request('GET', `/v1/emails?recipient=${canary('query')}`)).status,
    ).toBeLessThan(500);
    const headers = signRequest({
      keyId: 'log-key',
      secret: keySecret,
      method: 'GET',
      target: '/v1/emails',
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    signatures.push(headers['X-Mailover-Signature'].slice(3));
    expect((await fetch(`${server.url}/v1/emails`, { headers })).status).toBe(401);

    const sent = await eventually(
      async () => {
        const e = await client.getEmail(accepted.id);
        return e.status === 'sent' ? e : undefined;
      },
      15_000,
      'the email to be sent',
    );
    expect(sent.provider).toBe('backup');
    expect(primary.receivedCount).toBeGreaterThanOrEqual(1);

    await server.stop();
    output = server.output();
  });

  it('captured the logs (requests, failover and shutdown)', () => {
    expect(output).toMatch(/"path":"\/v1\/emails"/);
    expect(output).toMatch(/"status":401/);
    expect(output).toMatch(/Nest application successfully started/);
  });

  it('contains none of the secrets', () => {
    for (const secret of [keySecret, primaryKey, backupKey]) expect(output).not.toContain(secret);
  });

  it('contains none of the signatures', () => {
    expect(signatures.length).toBeGreaterThanOrEqual(8);
    for (const signature of signatures) expect(output).not.toContain(signature);
  });

  it('contains none of the message content', () => {
    for (const content of [
      subject,
      text,
      html,
      attachment,
      legacyBody,
      brokenJson,
      Buffer.from(attachment).toString('base64'),
    ]) {
      expect(output).not.toContain(content);
    }
    expect(output).not.toMatch(/canary-(metadata|query)/);
  });
});

describe('access log lines (logging.requests)', () => {
  const secret = randomBytes(24).toString('hex');

  /** Runs the real server in `mode`, sends one accepted and one refused request, answers its output. */
  async function outputIn(mode: 'errors' | 'all' | 'none'): Promise<string> {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailover-access-'));
    const configFile = join(dataDir, 'config.yaml');
    writeFileSync(
      configFile,
      stringify({
        logging: { requests: mode },
        auth: { keys: [{ id: 'access-key', secret, scopes: ['send', 'read'] }] },
      }),
    );
    const server = await spawnServer({
      NODE_ENV: 'production',
      MAILOVER_CONFIG: configFile,
      MAILOVER_DATA_DIR: dataDir,
    });
    try {
      await whenLive(server);
      const client = new MailoverClient({ baseUrl: server.url, keyId: 'access-key', secret });
      await client.sendEmail({
        from: 'ops@acme.test',
        to: 'ann@example.com',
        subject: 'Hi',
        text: 'hi',
      });
      const refused = await fetch(`${server.url}/v1/emails?x=1`, { method: 'GET' });
      expect(refused.status).toBe(401);
      await fetch(`${server.url}/health/ready`);
    } finally {
      await server.stop();
    }
    return server.output();
  }

  /** The access lines in a server's output, as [method path status] strings. */
  const accessLines = (output: string) =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"responseTime"'))
      .map((line) => {
        const { req, res } = JSON.parse(line) as {
          req: { method: string; path: string };
          res: { status: number };
        };
        return `${req.method} ${req.path} ${res.status}`;
      });

  it('logs only answers of 400 and above by default, without the query string', async () => {
    expect(accessLines(await outputIn('errors'))).toEqual(['GET /v1/emails 401']);
  });

  it('logs every request but the probes with `all`, and none with `none`', async () => {
    expect(accessLines(await outputIn('all'))).toEqual([
      'POST /v1/emails 202',
      'GET /v1/emails 401',
    ]);
    expect(accessLines(await outputIn('none'))).toEqual([]);
  });
});
