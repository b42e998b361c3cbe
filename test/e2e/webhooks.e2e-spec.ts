import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EMAIL_STORE, type EmailStore } from '../../src/store/email.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import { AppWebhooks } from '../../src/webhooks/app-webhooks.service';
import { ResendFake } from '../fakes/resend.fake';
import { createTempSchema } from '../support/postgres-schema';
import { freePort } from '../support/spawn-server';
import {
  eventually,
  FAST_DISPATCH,
  signedRequest,
  startTestApp,
  statusOf,
  TEST_KEY,
  type TestApp,
} from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const WEBHOOKS_FAST = { pollIntervalMs: 20, backoffBaseMs: 100, backoffMaxMs: 400, timeoutMs: 300 };
const key = (tenant: string) => ({
  id: `${tenant}-key`,
  secret: `${tenant}-secret-0123456789abcdef`,
});
const TENANTS = ['acme', 'flaky', 'redirect', 'hang', 'refused'];

const email = (subject: string, to = 'ann@example.com') => ({
  from: 'shop@acme.test',
  to,
  subject,
  text: 'the body must never reach a webhook',
  tags: ['receipt'],
  metadata: { order: '42' },
});

describe('signed webhooks to the application (Standard Webhooks)', () => {
  let app: TestApp;
  let fake: ResendFake;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    fake = new ResendFake({ apiKey: 're_webhooks_key_01' });
    await fake.start();
    receiver = new WebhookReceiver(SECRET);
    await receiver.start();
    const r = receiver.url;
    const endpoint = (id: string, path: string, events: string[], tenants?: string[]) => ({
      id,
      url: `${r}${path}`,
      secret: SECRET,
      events,
      ...(tenants ? { tenants } : {}),
    });
    app = await startTestApp({
      providers: [
        { id: 'resend', type: 'resend', baseUrl: fake.url, apiKey: 're_webhooks_key_01' },
      ],
      dispatch: FAST_DISPATCH,
      logging: { level: 'error' },
      auth: {
        keys: [
          { id: TEST_KEY.id, secret: TEST_KEY.secret, scopes: ['send', 'read', 'admin'] },
          { id: 'reader', secret: 'reader-secret-0123456789abcdef', scopes: ['send', 'read'] },
          ...TENANTS.map((t) => ({ ...key(t), tenant: t, scopes: ['send', 'read'] })),
        ],
      },
      webhooks: {
        ...WEBHOOKS_FAST,
        endpoints: [
          endpoint('all', '/all', ['*'], ['e2e-key', 'acme']),
          endpoint('sent-only', '/sent', ['email.sent'], ['e2e-key']),
          endpoint('failed-only', '/failed', ['email.failed'], ['e2e-key']),
          endpoint('acme', '/acme', ['*'], ['acme']),
          endpoint('flaky', '/flaky', ['email.sent'], ['flaky']),
          endpoint('redirect', '/redirect', ['email.sent'], ['redirect']),
          endpoint('hang', '/hang', ['email.sent'], ['hang']),
          {
            ...endpoint('refused', '', ['email.sent'], ['refused']),
            url: `http://127.0.0.1:${await freePort()}/hooks`,
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.stop();
    await fake?.stop();
  });

  const send = async (body: object, tenant?: string) => {
    const res = tenant
      ? await signedRequest(app.url, 'POST', '/v1/emails', body, {}, key(tenant))
      : await app.request('POST', '/v1/emails', body);
    expect(res.status).toBe(202);
    return res.json.id as string;
  };
  const about = (id: string, path?: string) =>
    receiver.received.filter((r) => r.json?.data?.emailId === id && (!path || r.path === path));
  const deliveries = async (query: string) => {
    const res = await app.request('GET', `/v1/webhook-deliveries?${query}`);
    expect(res.status).toBe(200);
    return res.json.items as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('POSTs email.sent, signed per Standard Webhooks, with the documented body', async () => {
    const id = await send(email('Hello'));
    const [hook] = await eventually(
      async () => about(id, '/sent').length === 1 && about(id, '/sent'),
    );
    expect(hook.signatureProblem).toBeUndefined();
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['webhook-id']).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(Number(hook.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
    const sent = await statusOf(app, id, ['sent']);
    expect(hook.json).toEqual({
      type: 'email.sent',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        emailId: id,
        tenant: 'e2e-key',
        event: {
          type: 'sent',
          occurredAt: hook.json.timestamp,
          providerId: 'resend',
          providerMessageId: sent.providerMessageId,
        },
        email: {
          id,
          status: 'sent',
          providerId: 'resend',
          providerMessageId: sent.providerMessageId,
          tags: ['receipt'],
          metadata: { order: '42' },
        },
      },
    });
    expect(hook.body).not.toContain('the body must never reach a webhook');
    const [listed] = await eventually(async () => {
      const items = await deliveries(`emailId=${id}&endpoint=sent-only`);
      return items[0]?.status === 'delivered' && items;
    });
    expect(listed).toMatchObject({
      id: hook.headers['webhook-id'],
      endpoint: 'sent-only',
      type: 'email.sent',
      emailId: id,
      tenant: 'e2e-key',
      nextAttemptAt: null,
      attemptCount: 1,
      attempts: [{ statusCode: 204, error: null }],
      payload: hook.json,
    });
  });

  it('sends each endpoint only the event types it lists', async () => {
    const sentId = await send(email('Fine'));
    await statusOf(app, sentId, ['sent']);
    fake.inject({ kind: 'reject-recipient' }, 1);
    const failedId = await send(email('Bounce', 'nobody@example.com'));
    await statusOf(app, failedId, ['failed']);
    await eventually(
      async () => about(failedId, '/failed').length === 1 && about(sentId, '/all').length === 1,
    );
    await eventually(async () => about(failedId, '/all').length === 1);
    const failed = about(failedId, '/failed')[0];
    expect(failed.signatureProblem).toBeUndefined();
    expect(failed.json.type).toBe('email.failed');
    expect(failed.json.data.email.status).toBe('failed');
    expect(failed.json.data.event.reason).toEqual(expect.any(String));
    expect(about(failedId, '/sent')).toEqual([]);
    // Settle: every delivery of both emails is final before asserting what never arrived.
    await eventually(async () => {
      const items = [
        ...(await deliveries(`emailId=${sentId}`)),
        ...(await deliveries(`emailId=${failedId}`)),
      ];
      return items.length > 0 && items.every((d) => d.status === 'delivered') && items;
    });
    expect(about(sentId, '/failed')).toEqual([]);
    expect(about(sentId, '/sent')).toHaveLength(1);
  });

  it('sends an endpoint with tenants only those tenants’ emails', async () => {
    const acmeId = await send(email('For acme'), 'acme');
    const ownId = await send(email('Not for acme'));
    await eventually(
      async () => about(acmeId, '/acme').length === 1 && about(ownId, '/sent').length === 1,
    );
    await eventually(async () => {
      const items = [
        ...(await deliveries(`emailId=${acmeId}`)),
        ...(await deliveries(`emailId=${ownId}`)),
      ];
      return items.every((d) => d.status === 'delivered') && items;
    });
    expect(about(acmeId, '/acme')[0].json.data.tenant).toBe('acme');
    expect(about(acmeId, '/all')).toHaveLength(1);
    expect(about(acmeId, '/sent')).toEqual([]);
    expect(about(ownId, '/acme')).toEqual([]);
    expect((await deliveries(`emailId=${acmeId}`)).map((d) => d.endpoint).sort()).toEqual([
      'acme',
      'all',
    ]);
  });

  it('retries a failing endpoint with backoff, with the same webhook-id and a valid signature each time', async () => {
    let failures = 2;
    receiver.answer = (req) => (req.path === '/flaky' && failures-- > 0 ? 500 : 204);
    try {
      const id = await send(email('Flaky'), 'flaky');
      const hooks = await eventually(
        async () => about(id, '/flaky').length === 3 && about(id, '/flaky'),
      );
      const [listed] = await eventually(async () => {
        const items = await deliveries(`emailId=${id}`);
        return items[0]?.status === 'delivered' && items;
      });
      expect(new Set(hooks.map((h) => h.headers['webhook-id']))).toEqual(new Set([listed.id]));
      expect(hooks.map((h) => h.signatureProblem)).toEqual([undefined, undefined, undefined]);
      expect(new Set(hooks.map((h) => h.body)).size).toBe(1);
      expect(listed.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([
        500, 500, 204,
      ]);
      expect(listed.attempts[0].error).toBe('HTTP 500');
      // Backoff with jitter: the n-th retry waits at least half of base * 2^(n-1).
      const at = listed.attempts.map((a: { at: string }) => Date.parse(a.at));
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(WEBHOOKS_FAST.backoffBaseMs / 2);
      expect(at[2] - at[1]).toBeGreaterThanOrEqual(WEBHOOKS_FAST.backoffBaseMs);
    } finally {
      receiver.answer = () => 204;
    }
  });

  it('never follows a redirect, and retries after a timeout or a refused connection', async () => {
    receiver.answer = (req) =>
      req.path === '/redirect'
        ? { status: 302, headers: { location: '/all' } }
        : req.path === '/hang'
          ? 'hang'
          : 204;
    try {
      const [redirected, hung, refused] = [
        await send(email('Redirect'), 'redirect'),
        await send(email('Hang'), 'hang'),
        await send(email('Refused'), 'refused'),
      ];
      const attemptsOf = async (id: string, n: number) =>
        eventually(async () => {
          const [d] = await deliveries(`emailId=${id}`);
          return d?.attempts.length >= n && d;
        });
      const r = await attemptsOf(redirected, 2);
      expect(r.status).toBe('pending');
      expect(r.attempts[0]).toMatchObject({ statusCode: 302, error: 'HTTP 302' });
      expect(
        about(redirected)
          .map((h) => h.path)
          .every((p) => p === '/redirect'),
      ).toBe(true);
      const h = await attemptsOf(hung, 1);
      expect(h.attempts[0]).toMatchObject({ statusCode: null, error: 'no answer within 300 ms' });
      const c = await attemptsOf(refused, 1);
      expect(c.attempts[0]).toMatchObject({
        statusCode: null,
        error: 'connection failed: ECONNREFUSED',
      });
      expect(c.nextAttemptAt).toEqual(expect.any(String));
    } finally {
      receiver.answer = () => 204;
    }
  });

  it('sends provider events given to AppWebhooks.emitEvent, without their raw payload', async () => {
    const id = await send(email('Tracked'));
    await statusOf(app, id, ['sent']);
    const record = (await app.app.get<symbol, EmailStore>(EMAIL_STORE).get(id))!;
    const webhooks = app.app.get(AppWebhooks);
    const occurredAt = new Date('2030-01-01T00:00:00Z');
    const event = {
      id: 'evt-1',
      type: 'delivered',
      recipient: 'ann@example.com',
      providerId: 'resend',
      occurredAt,
      raw: { token: 'provider-secret-payload' },
    };
    expect(await webhooks.emitEvent(event, record)).toBe(1); // '/all' takes "*"
    expect(await webhooks.emitEvent({ type: 'queued', occurredAt }, record)).toBe(0);
    expect(await webhooks.emitEvent({ type: 'unknown', occurredAt }, record)).toBe(0);
    const [hook] = await eventually(
      async () =>
        receiver.ofType('email.delivered').filter((r) => r.json.data.emailId === id).length === 1 &&
        receiver.ofType('email.delivered'),
    );
    expect(hook.path).toBe('/all');
    expect(hook.signatureProblem).toBeUndefined();
    expect(hook.json.data.event).toEqual({
      id: 'evt-1',
      type: 'delivered',
      recipient: 'ann@example.com',
      providerId: 'resend',
      occurredAt: '2030-01-01T00:00:00.000Z',
    });
    expect(hook.body).not.toContain('provider-secret-payload');
  });

  it('documents GET /v1/webhook-deliveries in the OpenAPI document, admin-signed', async () => {
    const doc = (await fetch(`${app.url}/docs-json`).then((r) => r.json())) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const op = doc.paths['/v1/webhook-deliveries'].get;
    expect(op.security).toEqual([{ 'mailover-signature': [] }]);
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'cursor',
      'emailId',
      'endpoint',
      'limit',
      'status',
    ]);
    expect(op.responses['200'].content['application/json'].schema.$ref).toMatch(
      /WebhookDeliveryPageView$/,
    );
  });

  it('counts deliveries by outcome in mailover_webhook_deliveries_total', async () => {
    const res = await app.request('GET', '/metrics');
    expect(res.text).toMatch(/mailover_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    expect(res.text).toMatch(/mailover_webhook_deliveries_total\{outcome="retried"\} [1-9]/);
  });

  it('lists deliveries for admin keys only, with filters and a cursor; bad parameters are 400 naming the field', async () => {
    const page1 = await deliveries('limit=2');
    expect(page1).toHaveLength(2);
    const first = await app.request('GET', '/v1/webhook-deliveries?limit=2');
    const page2 = await deliveries(`limit=2&cursor=${first.json.nextCursor}`);
    expect(page2[0].id < page1[1].id).toBe(true);
    const delivered = await deliveries('status=delivered&endpoint=acme');
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.every((d) => d.status === 'delivered' && d.endpoint === 'acme')).toBe(true);

    const reader = { id: 'reader', secret: 'reader-secret-0123456789abcdef' };
    expect(
      (await signedRequest(app.url, 'GET', '/v1/webhook-deliveries', undefined, {}, reader)).status,
    ).toBe(403);
    const bad = await app.request('GET', '/v1/webhook-deliveries?status=lost&cursor=x&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.json.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'cursor',
      'limit',
      'status',
    ]);
  });
});

describe('a delivery older than webhooks.maxAgeMs', () => {
  it('is marked failed after retries that all failed', async () => {
    const receiver = new WebhookReceiver(SECRET);
    await receiver.start();
    receiver.answer = () => 503;
    const app = await startTestApp({
      dispatch: FAST_DISPATCH,
      logging: { level: 'error' },
      webhooks: {
        ...WEBHOOKS_FAST,
        maxAgeMs: 1000,
        endpoints: [{ id: 'down', url: `${receiver.url}/hooks`, secret: SECRET, events: ['*'] }],
      },
    });
    try {
      const res = await app.request('POST', '/v1/emails', email('Nobody listens'));
      const id = res.json.id as string;
      const [d] = await eventually(
        async () => {
          const items = (await app.request('GET', `/v1/webhook-deliveries?emailId=${id}`)).json
            .items;
          return items[0]?.status === 'failed' && items;
        },
        10_000,
        'the delivery to fail',
      );
      expect(d.attempts.length).toBeGreaterThan(1);
      expect(d.attempts.every((a: { statusCode: number }) => a.statusCode === 503)).toBe(true);
      // Retried until the deadline: the last attempt ended at or after it (one that starts just
      // before the deadline and ends after it is the last; durations are whole milliseconds).
      const last = d.attempts[d.attempts.length - 1] as { at: string; durationMs: number };
      const ended = Date.parse(last.at) + last.durationMs;
      expect(ended - Date.parse(d.createdAt)).toBeGreaterThanOrEqual(1000 - 1);
      const metrics = await app.request('GET', '/metrics');
      expect(metrics.text).toMatch(/mailover_webhook_deliveries_total\{outcome="failed"\} 1/);
    } finally {
      await app.close();
      await receiver.stop();
    }
  });
});

describe('application webhooks across roles on one PostgreSQL store', () => {
  it('are stored by an API process and sent by a worker process only', async () => {
    const schema = await createTempSchema('webhooks');
    const receiver = new WebhookReceiver(SECRET);
    await receiver.start();
    const replica = (role: string, path: string) =>
      startTestApp({
        server: { role },
        store: { driver: 'postgres', postgresUrl: schema.url },
        dispatch: FAST_DISPATCH,
        logging: { level: 'error' },
        webhooks: {
          ...WEBHOOKS_FAST,
          // The same endpoint, at a path that tells which process sent it.
          endpoints: [{ id: 'app', url: `${receiver.url}${path}`, secret: SECRET, events: ['*'] }],
        },
      });
    const api = await replica('api', '/from-api');
    let worker: TestApp | undefined;
    try {
      const res = await api.request('POST', '/v1/emails', email('Across roles'));
      const record = (await api.app.get<symbol, EmailStore>(EMAIL_STORE).get(res.json.id))!;
      const occurredAt = new Date();
      expect(await api.app.get(AppWebhooks).emitEvent({ type: 'opened', occurredAt }, record)).toBe(
        1,
      );
      worker = await replica('worker', '/from-worker');
      const hooks = await eventually(
        async () => receiver.ofType('email.opened').length > 0 && receiver.ofType('email.opened'),
      );
      expect(hooks.map((h) => h.path)).toEqual(['/from-worker']);
      // The worker also runs the round; its email.sent comes from the worker too.
      await eventually(async () => receiver.ofType('email.sent').length === 1);
      expect(receiver.received.every((r) => r.path === '/from-worker')).toBe(true);
    } finally {
      await worker?.close();
      await api.close();
      await receiver.stop();
      await schema.drop();
    }
  });
});

describe('application webhooks on shutdown', () => {
  it('gives a delivery still in flight after the grace period back, due at once', async () => {
    const receiver = new WebhookReceiver(SECRET);
    await receiver.start();
    receiver.answer = () => 'hang';
    const app = await startTestApp({
      dispatch: FAST_DISPATCH,
      server: { shutdownGraceMs: 100 },
      logging: { level: 'fatal' },
      webhooks: {
        ...WEBHOOKS_FAST,
        timeoutMs: 60_000,
        endpoints: [{ id: 'app', url: `${receiver.url}/hooks`, secret: SECRET, events: ['*'] }],
      },
    });
    try {
      await app.request('POST', '/v1/emails', email('Hanging'));
      await eventually(async () => receiver.received.length === 1);
    } finally {
      await app.close();
      await receiver.stop();
    }
    // Leased for timeoutMs + 30 s when claimed; released, it is due again now.
    const store = new SqliteEmailStore(join(app.dataDir, 'mailover.db'));
    try {
      const [again] = await store.webhookDeliveries().claimDue('next', new Date(), 1000, 10);
      expect(again?.id).toBe(receiver.received[0].headers['webhook-id']);
      expect(again.attempts).toBe(0);
    } finally {
      await store.close();
    }
  });
});
