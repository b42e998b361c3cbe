import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ResendFake } from '../fakes/resend.fake';
import { createTempSchema } from '../support/postgres-schema';
import { spawnServer, whenLive, type ServerProcess } from '../support/spawn-server';
import { eventually, signedRequest, TEST_KEY } from '../support/test-app';

const body = { from: 'shop@acme.test', to: 'ann@example.com', subject: 'Order', text: 'Thanks' };

function mailoverId(r: { json?: unknown }): string | undefined {
  return (r.json as { tags?: Array<{ name: string; value: string }> })?.tags?.find(
    (t) => t.name === 'mailover_id',
  )?.value;
}

/**
 * Three real server processes share one PostgreSQL store under load; one is killed with SIGKILL.
 * Each process sends through its own fake provider, so every send can be traced to its sender.
 * Nothing accepted may be lost, and an email may reach a provider twice only if the killed
 * process had sent it (its round was in flight, unrecorded, when it died).
 */
describe('three replicas on PostgreSQL, one killed under load', () => {
  const fakes: ResendFake[] = [];
  const servers: ServerProcess[] = [];
  let dropSchema: (() => Promise<void>) | undefined;

  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    for (const f of fakes) await f.stop();
    await dropSchema?.();
  });

  it('loses nothing and sends nothing twice outside the killed process’s rounds in flight', async () => {
    const schema = await createTempSchema('replicas');
    dropSchema = schema.drop;
    for (let i = 0; i < 3; i++) {
      const fake = new ResendFake({ apiKey: 're_replica_key_0001' });
      fake.latencyMs = 30;
      await fake.start();
      fakes.push(fake);
      const dataDir = mkdtempSync(join(tmpdir(), 'mailover-replica-'));
      const configFile = join(dataDir, 'mailover.yaml');
      writeFileSync(
        configFile,
        stringify({
          store: { driver: 'postgres', postgresUrl: schema.url },
          providers: [
            { id: 'resend', type: 'resend', baseUrl: fake.url, apiKey: 're_replica_key_0001' },
          ],
          auth: { keys: [{ id: TEST_KEY.id, secret: TEST_KEY.secret, scopes: ['send', 'read'] }] },
          rateLimit: {
            default: { limit: 100000, ttlMs: 1000 },
            anonymous: { limit: 100000, ttlMs: 1000 },
          },
          // Small workers build a backlog; a short lease lets the survivors take the dead one's
          // claims within seconds.
          dispatch: { concurrency: 8, pollIntervalMs: 20, leaseMs: 2000 },
          logging: { level: 'error' },
        }),
      );
      const server = await spawnServer({
        MAILOVER_CONFIG: configFile,
        MAILOVER_DATA_DIR: dataDir,
        NODE_ENV: 'test',
      });
      servers.push(server);
      await whenLive(server, 30_000, '/health/ready');
    }

    const accepted: string[] = [];
    let next = 0;
    let stop = false;
    const killed = servers[0];
    const client = async () => {
      while (!stop) {
        const server = servers[next++ % servers.length];
        if (server === killed && killed.child.signalCode) continue;
        try {
          const res = await signedRequest(server.url, 'POST', '/v1/emails', body);
          if (res.status === 202) accepted.push(res.json.id as string);
        } catch {
          // the killed process died mid-request: never answered 202
        }
      }
    };
    const clients = Array.from({ length: 12 }, client);
    await eventually(async () => accepted.length >= 300, 30_000, '300 accepted emails');
    killed.child.kill('SIGKILL');
    await killed.exited;
    await eventually(async () => accepted.length >= 600, 30_000, '600 accepted emails');
    stop = true;
    await Promise.all(clients);

    const sends = (fake: ResendFake) =>
      fake.requests.map(mailoverId).filter((id): id is string => id !== undefined);
    await eventually(
      async () => {
        const delivered = new Set(fakes.flatMap(sends));
        return accepted.every((id) => delivered.has(id));
      },
      60_000,
      'every accepted email to reach a provider',
    );

    const byKilled = new Set(sends(fakes[0]));
    const count = new Map<string, number>();
    for (const id of fakes.flatMap(sends)) count.set(id, (count.get(id) ?? 0) + 1);
    const twice = [...count].filter(([, n]) => n > 1).map(([id]) => id);
    // Only the dead process's unrecorded sends may have gone out again, at most one each.
    expect(twice.filter((id) => !byKilled.has(id))).toEqual([]);
    expect(twice.every((id) => count.get(id) === 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(8);
    // The survivors record every email as sent.
    const survivor = servers[1];
    const last = accepted[accepted.length - 1];
    await eventually(
      async () =>
        (await signedRequest(survivor.url, 'GET', `/v1/emails/${last}`)).json.status === 'sent',
      10_000,
      'the last email to be recorded as sent',
    );
  }, 150_000);
});
