import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnServer, whenLive, type ServerProcess } from '../support/spawn-server';
import { eventually, signedRequest, TEST_KEY } from '../support/test-app';
import { type ReceivedWebhook, WebhookReceiver } from '../support/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const TOKEN = randomBytes(12).toString('hex');
const EMAILS = 30;

/**
 * The real server process killed with SIGKILL while the application's endpoint hangs (some
 * deliveries in flight, the rest waiting), then restarted on the same data directory with the
 * endpoint back: every delivery arrives, with its original webhook-id.
 */
describe('application webhooks across kill -9', () => {
  let receiver: WebhookReceiver;
  let server: ServerProcess | undefined;

  afterEach(async () => {
    server?.child.kill('SIGKILL');
    await receiver?.stop();
  });

  it('loses no pending delivery', async () => {
    receiver = new WebhookReceiver(SECRET);
    await receiver.start();
    receiver.answer = () => 'hang';
    const dataDir = mkdtempSync(join(tmpdir(), 'mailover-webhooks-crash-'));
    const configFile = join(dataDir, 'mailover.yaml');
    writeFileSync(
      configFile,
      stringify({
        auth: {
          keys: [{ id: TEST_KEY.id, secret: TEST_KEY.secret, scopes: ['send', 'read', 'admin'] }],
        },
        logging: { level: 'info', requests: 'all' },
        dispatch: { pollIntervalMs: 20 },
        webhooks: {
          endpoints: [
            {
              id: 'app',
              url: `${receiver.url}/hooks?token=${TOKEN}`,
              secret: SECRET,
              events: ['*'],
            },
          ],
          concurrency: 4,
          timeoutMs: 60_000,
          pollIntervalMs: 20,
        },
      }),
    );
    const env = { MAILOVER_CONFIG: configFile, MAILOVER_DATA_DIR: dataDir, NODE_ENV: 'test' };
    server = await spawnServer(env);
    await whenLive(server, 30_000, '/health/ready');

    const ids: string[] = [];
    for (let i = 0; i < EMAILS; i++) {
      const res = await signedRequest(server.url, 'POST', '/v1/emails', {
        from: 'shop@acme.test',
        to: 'ann@example.com',
        subject: `Order ${i}`,
        text: 'Thanks',
      });
      expect(res.status).toBe(202);
      ids.push(res.json.id);
    }
    // Every email sent: each one's delivery is committed with its round.
    const url = server.url;
    await eventually(
      async () => {
        const res = await signedRequest(url, 'GET', '/v1/emails?status=sent&limit=200');
        return res.json.items.length === EMAILS;
      },
      20_000,
      'every email to be sent',
    );
    // Four deliveries hang in flight at the endpoint; the rest wait behind them.
    await eventually(
      async () => receiver.received.length === 4,
      10_000,
      'four deliveries in flight',
    );
    const beforeCrash = receiver.received.length;
    const firstOutput = server.output();
    server.child.kill('SIGKILL');
    await server.exited;

    receiver.answer = () => 204;
    server = await spawnServer(env);
    await whenLive(server, 30_000, '/health/ready');
    const delivered = await eventually(
      async () => {
        const ok = receiver.received.slice(beforeCrash);
        const emails = new Set(ok.map((r) => r.json?.data?.emailId));
        return ids.every((id) => emails.has(id)) && ok;
      },
      30_000,
      'every email’s webhook to arrive after the restart',
    );
    expect(delivered.every((r) => r.signatureProblem === undefined)).toBe(true);
    expect(delivered.every((r) => r.json.type === 'email.sent')).toBe(true);
    // A delivery in flight at the crash is sent again with its webhook-id.
    const idOf = (r: ReceivedWebhook) => r.headers['webhook-id'];
    const after = new Set(delivered.map(idOf));
    for (const hung of receiver.received.slice(0, beforeCrash))
      expect(after.has(idOf(hung))).toBe(true);
    // The receiver has every webhook; the last answers' results are recorded just after.
    const restarted = server.url;
    const recorded = await eventually(
      async () => {
        const res = await signedRequest(
          restarted,
          'GET',
          '/v1/webhook-deliveries?status=delivered&limit=200',
        );
        return res.json.items.length >= EMAILS && res.json.items;
      },
      10_000,
      'every delivery recorded as delivered',
    );
    expect(recorded).toHaveLength(EMAILS);
    // Neither the signing secret nor the endpoint's URL (it may carry a token) reaches the logs.
    const logs = firstOutput + server.output();
    expect(logs).not.toContain(SECRET.slice('whsec_'.length));
    expect(logs).not.toContain(TOKEN);
  }, 120_000);
});
