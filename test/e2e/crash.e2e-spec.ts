import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ResendFake } from '../fakes/resend.fake';
import { spawnServer, whenLive, type ServerProcess } from '../support/spawn-server';
import { eventually, signedRequest, TEST_KEY } from '../support/test-app';

/**
 * Writes the overlay into a fresh data directory; `boot` starts the real server on it, each time
 * on a free port (a port given up by a stopped server may be taken by a test running beside).
 */
function serverWith(config: Record<string, unknown>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailover-process-'));
  const configFile = join(dataDir, 'mailover.yaml');
  writeFileSync(
    configFile,
    stringify({
      ...config,
      auth: { keys: [{ id: TEST_KEY.id, secret: TEST_KEY.secret, scopes: ['send', 'read'] }] },
      // The tests poll every email's status every 20 ms, faster than the default 100 requests/s
      // per key; a key that keeps going over its limit stays blocked (each refused request counts
      // toward the next window), and the polls would never see the emails sent.
      rateLimit: { default: { limit: 100_000, ttlMs: 1000 } },
      logging: { level: 'warn' },
    }),
  );
  return async (): Promise<ServerProcess> => {
    const server = await spawnServer({
      MAILOVER_CONFIG: configFile,
      MAILOVER_DATA_DIR: dataDir,
      NODE_ENV: 'test',
    });
    await whenLive(server, 30_000, '/health/ready');
    return server;
  };
}

/**
 * The real server process, killed with SIGKILL under load or stopped with SIGTERM, and restarted
 * on the same data directory: every email that was answered 202 must still be delivered.
 */
describe('the server process stopping', () => {
  let fake: ResendFake;
  let server: ServerProcess | undefined;

  afterEach(async () => {
    server?.child.kill('SIGKILL');
    await fake?.stop();
  });

  it('after kill -9 under load and a restart delivers every accepted email', async () => {
    fake = new ResendFake({ apiKey: 're_crash_key_0001' });
    fake.latencyMs = 30;
    await fake.start();
    const boot = serverWith({
      providers: [
        {
          id: 'resend',
          type: 'resend',
          baseUrl: fake.url,
          apiKey: 're_crash_key_0001',
          timeoutMs: 2000,
        },
      ],
      rateLimit: {
        default: { limit: 100000, ttlMs: 1000 },
        anonymous: { limit: 100000, ttlMs: 1000 },
      },
      // A small worker builds up a backlog. The lease is far longer than this test waits: the
      // restarted process must take back what its dead predecessor had claimed at once (it owns
      // the SQLite file alone), not when the leases run out.
      dispatch: { concurrency: 4, pollIntervalMs: 20, leaseMs: 600_000 },
    });
    server = await boot();
    const url = server.url;

    const accepted: string[] = [];
    let stop = false;
    const body = {
      from: 'shop@acme.test',
      to: 'ann@example.com',
      subject: 'Order',
      text: 'Thanks',
    };
    const client = async () => {
      while (!stop) {
        try {
          const res = await signedRequest(url, 'POST', '/v1/emails', body);
          if (res.status === 202) accepted.push(res.json.id);
        } catch {
          // the process died mid-request: that request was never answered 202
        }
      }
    };
    const clients = Array.from({ length: 16 }, client);
    await eventually(async () => accepted.length >= 300, 20_000, '300 accepted emails');
    server.child.kill('SIGKILL');
    await server.exited;
    stop = true;
    await Promise.all(clients);
    const deliveredBeforeCrash = new Set(fake.requests.map(mailoverId)).size;
    expect(deliveredBeforeCrash).toBeLessThan(accepted.length); // the crash left a backlog

    server = await boot();
    await eventually(
      async () => {
        const delivered = new Set(fake.requests.map(mailoverId));
        return accepted.every((id) => delivered.has(id));
      },
      60_000,
      'every accepted email to reach the provider',
    );
    // The provider has them all; the store records each round right after the provider's answer.
    const last = accepted[accepted.length - 1];
    const sample = await eventually(
      async () => {
        const res = await signedRequest(server!.url, 'GET', `/v1/emails/${last}`);
        return res.json.status === 'sent' ? res.json : undefined;
      },
      10_000,
      'the last accepted email to be recorded as sent',
    );
    expect(sample.provider).toBe('resend');
    const sentCount = await eventually(
      async () => {
        const res = await signedRequest(server!.url, 'GET', `/v1/emails?status=sent&limit=200`);
        return res.json.items.length === 200 ? res.json.items.length : undefined;
      },
      10_000,
      'the sent list',
    );
    expect(sentCount).toBe(200);
  }, 120_000);

  it('on SIGTERM lets in-flight sends finish, gives the rest back and exits 0', async () => {
    fake = new ResendFake({ apiKey: 're_term_key_0001' });
    fake.latencyMs = 800;
    await fake.start();
    const boot = serverWith({
      providers: [
        {
          id: 'resend',
          type: 'resend',
          baseUrl: fake.url,
          apiKey: 're_term_key_0001',
          timeoutMs: 5000,
        },
      ],
      dispatch: { concurrency: 2, pollIntervalMs: 20 },
      server: { shutdownGraceMs: 5000 },
    });
    server = await boot();
    const url = server.url;
    const body = {
      from: 'shop@acme.test',
      to: 'ann@example.com',
      subject: 'Order',
      text: 'Thanks',
    };
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push((await signedRequest(url, 'POST', '/v1/emails', body)).json.id);
    await eventually(async () => fake.requests.length >= 2, 10_000, 'two sends in flight');

    expect(await server.stop()).toBe(0);
    const inFlightAtStop = new Set(fake.requests.map(mailoverId));
    expect(inFlightAtStop.size).toBeGreaterThanOrEqual(2);
    expect(inFlightAtStop.size).toBeLessThan(ids.length);

    server = await boot();
    const statuses = await eventually(
      async () => {
        const all = await Promise.all(
          ids.map(async (id) => (await signedRequest(server!.url, 'GET', `/v1/emails/${id}`)).json),
        );
        return all.every((e) => e.status === 'sent') ? all : undefined;
      },
      20_000,
      'every email to be sent after the restart',
    );
    // The sends in flight at SIGTERM finished and were recorded then: none went out twice.
    for (const email of statuses.filter((e) => inFlightAtStop.has(e.id)))
      expect(email.rounds).toBe(1);
    const perId = new Map<string, number>();
    for (const id of fake.requests.map(mailoverId)) if (id) perId.set(id, (perId.get(id) ?? 0) + 1);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    expect(perId.size).toBe(ids.length);
  }, 90_000);
});

function mailoverId(r: { json?: unknown }): string | undefined {
  return (r.json as { tags?: Array<{ name: string; value: string }> })?.tags?.find(
    (t) => t.name === 'mailover_id',
  )?.value;
}
