import { ResendFake } from '../fakes/resend.fake';
import { createTempSchema } from '../support/postgres-schema';
import { FAST_DISPATCH, startTestApp, statusOf, type TestApp } from '../support/test-app';

const email = { from: 'ops@acme.test', to: 'ann@example.com', subject: 'Hi', text: 'Hi' };

/**
 * Replicas with roles on one PostgreSQL store (`server.role`): an API replica accepts and
 * answers and never sends; a worker replica delivers and serves only health and metrics.
 */
describe('server roles on one PostgreSQL store', () => {
  const fakes: ResendFake[] = [];
  const apps: TestApp[] = [];
  let schemaUrl: string;
  let dropSchema: () => Promise<void>;

  /** The same provider id in each replica, each pointed at its own fake to tell who sent. */
  async function replica(role: string, dispatch: Record<string, unknown> = {}, latencyMs = 0) {
    const fake = new ResendFake({ apiKey: 're_replica_key' });
    fake.latencyMs = latencyMs;
    await fake.start();
    fakes.push(fake);
    const app = await startTestApp({
      server: { role },
      store: { driver: 'postgres', postgresUrl: schemaUrl },
      dispatch: { ...FAST_DISPATCH, ...dispatch },
      providers: [
        {
          id: 'resend',
          type: 'resend',
          baseUrl: fake.url,
          apiKey: 're_replica_key',
          timeoutMs: 5000,
        },
      ],
    });
    apps.push(app);
    return { app, fake };
  }

  beforeEach(async () => {
    const schema = await createTempSchema('roles');
    schemaUrl = schema.url;
    dropSchema = schema.drop;
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const fake of fakes.splice(0)) await fake.stop();
    await dropSchema();
  });

  it('an API replica accepts without sending until a worker replica delivers', async () => {
    const api = await replica('api');
    const accepted = await api.app.request('POST', '/v1/emails', email);
    expect(accepted.status).toBe(202);
    expect(accepted.json.status).toBe('queued');
    const id = accepted.json.id as string;
    const scrape = await fetch(`${api.app.url}/metrics`).then((r) => r.text());
    expect(scrape).toContain('mailover_queue_emails{status="queued"} 1');
    expect((await api.app.request('GET', `/v1/emails/${id}`)).json.status).toBe('queued');

    const worker = await replica('worker');
    const sent = await statusOf(api.app, id, ['sent']);
    expect(sent.provider).toBe('resend');
    expect(worker.fake.receivedCount).toBe(1);
    expect(api.fake.receivedCount).toBe(0);
  });

  it('answers Prefer: wait on an API replica from the store when a worker sends', async () => {
    const api = await replica('api');
    const worker = await replica('worker');
    const answer = await api.app.request('POST', '/v1/emails', email, { Prefer: 'wait=10' });
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe('sent');
    expect(worker.fake.receivedCount).toBe(1);
  });

  it('a worker replica serves health and metrics only', async () => {
    const worker = await replica('worker');
    expect((await fetch(`${worker.app.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${worker.app.url}/metrics`)).status).toBe(200);
    expect((await worker.app.request('POST', '/v1/emails', email)).status).toBe(404);
    expect((await worker.app.request('GET', '/v1/emails')).status).toBe(404);
    expect((await fetch(`${worker.app.url}/docs`)).status).toBe(404);
  });

  it('renews the lease of a round slower than the lease, so no other worker sends it again', async () => {
    // Each send takes 2.5 s; a lease lasts 1 s. Without the heartbeat the second worker would
    // take the email after 1 s and send it a second time.
    const first = await replica('all', { leaseMs: 1000 }, 2500);
    const accepted = await first.app.request('POST', '/v1/emails', email);
    const id = accepted.json.id as string;
    await new Promise((r) => setTimeout(r, 200));
    const second = await replica('worker', { leaseMs: 1000 });
    await statusOf(first.app, id, ['sent'], 10_000);
    // Give the second worker several lease periods to claim it, had the lease lapsed.
    await new Promise((r) => setTimeout(r, 1500));
    expect(first.fake.receivedCount + second.fake.receivedCount).toBe(1);
    expect((await first.app.request('GET', `/v1/emails/${id}`)).json.rounds).toBe(1);
  }, 30_000);
});
