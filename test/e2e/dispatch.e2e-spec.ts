import type { ResendOptions } from '../../src/providers/resend/resend.options';
import { ResendFake } from '../fakes/resend.fake';
import { createTempSchema } from '../support/postgres-schema';
import {
  eventually,
  FAST_DISPATCH,
  startTestApp,
  statusOf,
  type TestApp,
} from '../support/test-app';

const email = (patch: Record<string, unknown> = {}) => ({
  from: 'Acme Support <support@acme.test>',
  to: ['Ann Lee <ann@example.com>'],
  subject: 'Your trip receipt',
  text: 'Hi',
  tags: ['receipt'],
  ...patch,
});

/** A time within the scheduling horizon, in the future. */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
const legacyTime = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

/** The Mailover ids a Resend fake was asked to send (from the mailover_id tag on the wire). */
function idsAt(fake: ResendFake): string[] {
  return fake.requests
    .map(
      (r) =>
        (r.json as { tags?: Array<{ name: string; value: string }> })?.tags?.find(
          (t) => t.name === 'mailover_id',
        )?.value,
    )
    .filter((v): v is string => Boolean(v));
}

// The same dispatch behaviour on both stores: dispatch code does not know which one it has.
describe.each(['sqlite', 'postgres'] as const)('dispatch over real HTTP (%s store)', (driver) => {
  let primary: ResendFake;
  let backup: ResendFake;
  let app: TestApp;
  let store: Record<string, unknown> = {};
  let dropSchema: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    if (driver === 'postgres') {
      const schema = await createTempSchema('dispatch');
      store = { driver: 'postgres', postgresUrl: schema.url };
      dropSchema = schema.drop;
    }
    primary = new ResendFake({ apiKey: 're_primary_key_123' });
    backup = new ResendFake({ apiKey: 're_backup_key_456' });
    await primary.start();
    await backup.start();
    app = await startTestApp({
      store,
      dispatch: FAST_DISPATCH,
      providers: [
        {
          id: 'primary',
          type: 'resend',
          baseUrl: primary.url,
          apiKey: 're_primary_key_123',
          priority: 1,
          timeoutMs: 300,
        },
        {
          id: 'backup',
          type: 'resend',
          baseUrl: backup.url,
          apiKey: 're_backup_key_456',
          priority: 2,
          timeoutMs: 300,
        },
      ],
    });
  });

  afterEach(async () => {
    await app.close();
    await primary.stop();
    await backup.stop();
    await dropSchema?.();
  });

  async function send(patch: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const res = await app.request('POST', '/v1/emails', email(patch), headers);
    expect(res.status).toBe(202);
    return res.json.id as string;
  }

  it('sends through the first provider and records the attempt', async () => {
    const id = await send();
    const sent = await statusOf(app, id, ['sent']);
    expect(sent.provider).toBe('primary');
    expect(sent.providerMessageId).toBe(primary.lastMessageId);
    expect(sent.attempts).toEqual([
      expect.objectContaining({ provider: 'primary', outcome: 'sent' }),
    ]);
    expect(idsAt(primary)).toEqual([id]);
    expect(primary.lastRequest.headers['idempotency-key']).toBe(`mailover-${id}`);
  });

  it.each([
    ['down', 'retryable'],
    ['hang', 'ambiguous'],
    ['server-error', 'retryable'],
    ['rate-limit', 'retryable'],
    ['auth', 'provider'],
  ] as const)('fails over when the first provider is %s', async (fault, kind) => {
    primary.inject({ kind: fault });
    const id = await send();
    const sent = await statusOf(app, id, ['sent']);
    expect(sent.provider).toBe('backup');
    expect(
      sent.attempts.map((a: { provider: string; outcome: string }) => [a.provider, a.outcome]),
    ).toEqual([
      ['primary', kind],
      ['backup', 'sent'],
    ]);
    expect(idsAt(backup)).toEqual([id]);
  });

  it('exposes Prometheus metrics without a key', async () => {
    primary.inject({ kind: 'server-error' }, 1);
    await statusOf(app, await send(), ['sent']);
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(
      'mailover_provider_attempts_total{provider="primary",outcome="retryable"} 1',
    );
    expect(text).toContain('mailover_provider_attempts_total{provider="backup",outcome="sent"} 1');
    expect(text).toContain('mailover_rounds_total{result="sent"} 1');
    expect(text).toContain('mailover_emails_accepted_total{status="queued"} 1');
    expect(text).toMatch(/mailover_provider_circuit_state\{provider="primary"\} 0/);
  });

  it('does not fail over a permanent error', async () => {
    primary.inject({ kind: 'reject-recipient' });
    const id = await send();
    const failed = await statusOf(app, id, ['failed']);
    expect(failed.error).toMatch(/^primary: HTTP 4\d\d/);
    expect(failed.attempts).toEqual([
      expect.objectContaining({ provider: 'primary', outcome: 'permanent' }),
    ]);
    expect(backup.requests).toHaveLength(0);
  });

  it('opens the circuit, sends no traffic to it until the probe, and closes it when the probe succeeds', async () => {
    primary.inject({ kind: 'server-error' });
    for (let i = 0; i < 3; i++) await statusOf(app, await send(), ['sent']);
    const providers = await app.request('GET', '/v1/providers');
    expect(providers.json.items.find((p: { id: string }) => p.id === 'primary').circuit).toBe(
      'open',
    );
    const health = await app.request('GET', '/health/providers');
    expect(health.status).toBe(200);
    expect(health.json.status).toBe('degraded');
    expect((await app.request('GET', '/health/ready')).status).toBe(200);

    const seenWhileOpen = primary.requests.length;
    const whileOpen = await statusOf(app, await send(), ['sent']);
    expect(whileOpen.provider).toBe('backup');
    expect(whileOpen.attempts[0]).toMatchObject({
      provider: 'primary',
      outcome: 'skipped',
      errorCode: 'circuit-open',
    });
    expect(primary.requests.length).toBe(seenWhileOpen);

    primary.heal();
    // After the cool-down the next email is the probe; it succeeds and the circuit closes.
    const probe = await eventually(
      async () => {
        const sent = await statusOf(app, await send(), ['sent']);
        return sent.provider === 'primary' ? sent : undefined;
      },
      5000,
      'the half-open probe',
    );
    expect(probe.attempts).toEqual([
      expect.objectContaining({ provider: 'primary', outcome: 'sent' }),
    ]);
    const after = await app.request('GET', '/v1/providers');
    expect(after.json.items.find((p: { id: string }) => p.id === 'primary').circuit).toBe('closed');
  });

  it('reschedules with backoff when every provider fails, then sends when one recovers', async () => {
    primary.inject({ kind: 'server-error' });
    backup.inject({ kind: 'server-error' });
    const id = await send();
    const retried = await eventually(async () => {
      const res = await app.request('GET', `/v1/emails/${id}`);
      return res.json.rounds >= 2 ? res.json : undefined;
    });
    expect(['queued', 'sending']).toContain(retried.status);
    expect(retried.error).toMatch(/primary: retryable .*backup: retryable/);
    backup.heal();
    const sent = await statusOf(app, id, ['sent']);
    expect(sent.provider).toBe('backup');
  });

  it('honours the providers restriction of a request', async () => {
    const id = await send({ providers: ['backup'] });
    expect((await statusOf(app, id, ['sent'])).provider).toBe('backup');
    expect(primary.requests).toHaveLength(0);
    const bad = await app.request('POST', '/v1/emails', email({ providers: ['nope'] }));
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([expect.objectContaining({ field: 'providers' })]);
  });

  it('drains a provider with disable/enable, and the switch survives a restart', async () => {
    const disabled = await app.request('POST', '/v1/providers/primary/disable');
    expect(disabled.status).toBe(200);
    expect(disabled.json.enabled).toBe(false);
    expect((await statusOf(app, await send(), ['sent'])).provider).toBe('backup');

    const config = app.config;
    await app.close();
    app = await startTestApp(
      {
        store,
        dispatch: FAST_DISPATCH,
        providers: (config.providers as ResendOptions[]).map((p) => ({
          id: p.id,
          type: p.type,
          baseUrl: p.baseUrl,
          apiKey: p.apiKey?.reveal(),
          priority: p.priority,
          timeoutMs: p.timeoutMs,
        })),
      },
      app.dataDir,
    );
    expect((await statusOf(app, await send(), ['sent'])).provider).toBe('backup');
    expect((await app.request('POST', '/v1/providers/primary/enable')).json.enabled).toBe(true);
    expect((await statusOf(app, await send(), ['sent'])).provider).toBe('primary');
    expect((await app.request('POST', '/v1/providers/nope/disable')).status).toBe(404);
  });

  it('holds a scheduled email until its time, and sends a past time at once', async () => {
    const at = new Date(Date.now() + 1500);
    const res = await app.request('POST', '/v1/emails', email({ sendAt: at.toISOString() }));
    expect(res.status).toBe(202);
    expect(res.json.status).toBe('scheduled');
    const sent = await statusOf(app, res.json.id, ['sent'], 6000);
    expect(Date.parse(sent.attempts[0].at)).toBeGreaterThanOrEqual(at.getTime());

    const past = await app.request('POST', '/v1/emails', email({ sendAt: '2001-01-01 00:00:00' }));
    expect(past.json.status).toBe('queued');
    await statusOf(app, past.json.id, ['sent']);
  });

  it('cancels a scheduled email and refuses to cancel one that was sent', async () => {
    const res = await app.request(
      'POST',
      '/v1/emails',
      email({ sendAt: inDays(30).toISOString() }),
    );
    const cancelled = await app.request('DELETE', `/v1/emails/${res.json.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe('cancelled');
    expect((await app.request('GET', `/v1/emails/${res.json.id}`)).json.status).toBe('cancelled');

    const id = await send();
    await statusOf(app, id, ['sent']);
    const late = await app.request('DELETE', `/v1/emails/${id}`);
    expect(late.status).toBe(409);
    expect(late.headers.get('content-type')).toContain('application/problem+json');
    expect((await app.request('DELETE', '/v1/emails/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
  });

  it('replays an Idempotency-Key, refuses it with another body, and creates one email under concurrency', async () => {
    const headers = { 'Idempotency-Key': 'order-42' };
    const first = await app.request('POST', '/v1/emails', email(), headers);
    const again = await app.request('POST', '/v1/emails', email(), headers);
    expect(again.status).toBe(202);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/emails/${first.json.id}`);
    const other = await app.request('POST', '/v1/emails', email({ subject: 'Another' }), headers);
    expect(other.status).toBe(422);

    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.request('POST', '/v1/emails', email(), { 'Idempotency-Key': 'burst-1' }),
      ),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(new Set(answers.map((a) => a.json.id)).size).toBe(1);
    await statusOf(app, answers[0].json.id, ['sent']);
    expect(idsAt(primary).filter((id) => id === answers[0].json.id)).toHaveLength(1);
  });

  it('holds the answer with Prefer: wait until the email is sent', async () => {
    const res = await app.request('POST', '/v1/emails', email(), { Prefer: 'wait=5' });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('sent');
    expect(res.headers.get('preference-applied')).toBe('wait=5');
    const held = await app.request(
      'POST',
      '/v1/emails',
      email({ sendAt: inDays(30).toISOString() }),
      { Prefer: 'wait=1' },
    );
    expect(held.status).toBe(202);
    expect(held.json.status).toBe('scheduled');
    const tooFar = await app.request(
      'POST',
      '/v1/emails',
      email({ sendAt: inDays(400).toISOString() }),
    );
    expect(tooFar.status).toBe(400);
    expect(tooFar.json.errors).toEqual([
      expect.objectContaining({ field: 'sendAt', detail: 'must be at most 365 days ahead' }),
    ]);
  });

  it('keeps the original service call working, form-encoded and JSON', async () => {
    const form = new URLSearchParams({
      to: 'ann@example.com',
      to_name: 'Ann Lee',
      from: 'noreply@acme.test',
      from_name: 'Acme',
      subject: 'A message',
      body: '<h1>Hi</h1><p>form</p>',
    }).toString();
    const res = await app.request('POST', '/email', form, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(202);
    const sent = await statusOf(app, res.json.id, ['sent']);
    expect(sent.to).toEqual(['Ann Lee <ann@example.com>']);
    const wire = primary.requests.find(
      (r) => (r.json as { subject?: string })?.subject === 'A message',
    )?.json as { html: string; from: string };
    expect(wire.html).toBe('<h1>Hi</h1><p>form</p>');
    expect(wire.from).toBe('Acme <noreply@acme.test>');

    const json = await app.request('POST', '/email', {
      to: 'bob@example.com',
      from: 'noreply@acme.test',
      subject: 'Hi',
      body: '<p>x</p>',
      send_at: legacyTime(inDays(30)),
    });
    expect(json.status).toBe(202);
    expect(json.json.status).toBe('scheduled');
    const bad = await app.request(
      'POST',
      '/email',
      new URLSearchParams({ to: 'ann@example.com', from: 'x@acme.test', subject: 'Hi' }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([expect.objectContaining({ field: 'body' })]);
  });

  it('answers invalid input with problem+json naming every field, and stores nothing', async () => {
    const before = (await app.request('GET', '/v1/emails?limit=200')).json.items.length;
    const res = await app.request('POST', '/v1/emails', {
      from: 'nope',
      to: [],
      subject: 'a\r\nBcc: x@evil.test',
      attachments: [{ filename: 'a.txt', content: '%%%' }],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json).toMatchObject({
      status: 400,
      title: 'Invalid request',
      instance: '/v1/emails',
    });
    expect(res.json.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['from', 'to', 'subject', 'html', 'attachments[0].content']),
    );
    expect((await app.request('GET', '/v1/emails?limit=200')).json.items.length).toBe(before);
  });

  it('lists emails newest first with filters and a cursor', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++)
      ids.push(await send({ to: [`user${i}@example.com`], tags: i % 2 ? ['odd'] : ['even'] }));
    for (const id of ids) await statusOf(app, id, ['sent']);
    const page1 = await app.request('GET', '/v1/emails?limit=2');
    expect(page1.json.items.map((e: { id: string }) => e.id)).toEqual([ids[4], ids[3]]);
    const page2 = await app.request('GET', `/v1/emails?limit=2&cursor=${page1.json.nextCursor}`);
    expect(page2.json.items.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    const odd = await app.request('GET', '/v1/emails?tag=odd');
    expect(odd.json.items.map((e: { id: string }) => e.id)).toEqual([ids[3], ids[1]]);
    const byRecipient = await app.request('GET', '/v1/emails?recipient=USER2@example.com');
    expect(byRecipient.json.items.map((e: { id: string }) => e.id)).toEqual([ids[2]]);
    const byProvider = await app.request(
      'GET',
      '/v1/emails?provider=primary&status=sent&limit=200',
    );
    expect(byProvider.json.items.length).toBeGreaterThanOrEqual(5);
    const bad = await app.request('GET', '/v1/emails?status=lost&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'limit',
      'status',
    ]);
  });
});

describe('giving up', () => {
  it('fails an email once it is older than the maximum age', async () => {
    const down = new ResendFake({ apiKey: 're_down_key_789' });
    await down.start();
    down.inject({ kind: 'server-error' });
    const app = await startTestApp({
      dispatch: { ...FAST_DISPATCH, maxAgeMs: 1000 },
      providers: [
        {
          id: 'only',
          type: 'resend',
          baseUrl: down.url,
          apiKey: 're_down_key_789',
          timeoutMs: 300,
        },
      ],
    });
    try {
      const res = await app.request('POST', '/v1/emails', email());
      const failed = await statusOf(app, res.json.id, ['failed'], 8000);
      expect(failed.error).toMatch(/^gave up after \d+ rounds: only: /);
      expect(failed.rounds).toBeGreaterThan(1);
    } finally {
      await app.close();
      await down.stop();
    }
  });
});
