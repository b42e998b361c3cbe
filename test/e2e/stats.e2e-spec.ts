import { ResendFake } from '../fakes/resend.fake';
import {
  FAST_DISPATCH,
  signedRequest,
  startTestApp,
  statusOf,
  TEST_KEY,
  type HttpAnswer,
  type TestApp,
} from '../support/test-app';

const ACME = {
  id: 'acme-app',
  secret: 'acme-secret-0123456789abcdef0123456789',
  scopes: ['send', 'read'],
  tenant: 'acme',
};
const ACME_SENDER = {
  id: 'acme-sender',
  secret: 'acme-sender-secret-0123456789abcdef012',
  scopes: ['send'],
  tenant: 'acme',
};
const GLOBEX = {
  id: 'globex-app',
  secret: 'globex-secret-0123456789abcdef01234567',
  scopes: ['send', 'read'],
  tenant: 'globex',
};

interface ProviderStats {
  id: string;
  sent: number[];
  failed: number[];
  failovers: number[];
  totals: { sent: number; failed: number; failovers: number; skipped: number };
  successRate: number | null;
  latencyMs: { p50: number; p95: number; calls: number } | null;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The figures a key sees, per provider: sums of the per-minute series and the rate. */
function seen(answer: HttpAnswer) {
  expect(answer.status).toBe(200);
  return Object.fromEntries(
    (answer.json.providers as ProviderStats[]).map((p) => [
      p.id,
      {
        sent: sum(p.sent),
        failed: sum(p.failed),
        failovers: sum(p.failovers),
        successRate: p.successRate,
        calls: p.latencyMs?.calls ?? 0,
      },
    ]),
  );
}

/** GET /v1/stats over HTTP: signed, scoped, tenant-scoped, validated, documented. */
describe('GET /v1/stats', () => {
  let primary: ResendFake;
  let backup: ResendFake;
  let app: TestApp;
  const as = (key: typeof ACME, target: string) =>
    signedRequest(app.url, 'GET', target, undefined, {}, key);

  beforeAll(async () => {
    primary = new ResendFake({ apiKey: 're_primary_key_123' });
    backup = new ResendFake({ apiKey: 're_backup_key_456' });
    await primary.start();
    await backup.start();
    app = await startTestApp({
      auth: {
        keys: [{ ...TEST_KEY, scopes: ['send', 'read', 'admin'] }, ACME, ACME_SENDER, GLOBEX],
      },
      dispatch: FAST_DISPATCH,
      providers: [
        { id: 'primary', type: 'resend', baseUrl: primary.url, apiKey: 're_primary_key_123' },
        {
          id: 'backup',
          type: 'resend',
          baseUrl: backup.url,
          apiKey: 're_backup_key_456',
          priority: 2,
        },
      ],
    });
    const send = async (key: typeof ACME, subject: string) => {
      const res = await signedRequest(
        app.url,
        'POST',
        '/v1/emails',
        { from: 'ops@acme.test', to: 'ann@example.com', subject, text: 'Hi' },
        {},
        key,
      );
      expect(res.status).toBe(202);
      return statusOf(app, res.json.id, ['sent']);
    };
    // acme's email meets a 500 at the primary and fails over to the backup; globex's is sent
    // by the primary.
    primary.inject({ kind: 'server-error' }, 1);
    const acme = await send(ACME, 'acme');
    expect(acme.attempts.map((a: { provider: string }) => a.provider)).toEqual([
      'primary',
      'backup',
    ]);
    expect((await send(GLOBEX, 'globex')).provider).toBe('primary');
  });

  afterAll(async () => {
    await app?.close();
    await primary?.stop();
    await backup?.stop();
  });

  it('answers per-minute series for every configured provider over a window of whole minutes', async () => {
    const res = await app.request('GET', '/v1/stats?minutes=5&rateHours=2');
    expect(res.status).toBe(200);
    const { window, providers, rates } = res.json;
    expect(window.minutes).toBe(5);
    expect(window.bucketSeconds).toBe(60);
    expect(Date.parse(window.to) - Date.parse(window.from)).toBe(5 * 60_000);
    expect(Date.parse(window.from) % 60_000).toBe(0);
    expect(Date.parse(window.to)).toBeGreaterThan(Date.now() - 1000);
    expect(providers.map((p: ProviderStats) => p.id)).toEqual(['primary', 'backup']);
    for (const p of providers as ProviderStats[]) {
      expect([p.sent.length, p.failed.length, p.failovers.length]).toEqual([5, 5, 5]);
      // Sent within the last minute or two: the counts are in the last two buckets.
      expect(sum(p.sent.slice(0, 3)) + sum(p.failed.slice(0, 3))).toBe(0);
    }
    expect(rates).toMatchObject({
      hours: 2,
      sent: 2,
      delivered: 0,
      bounced: 0,
      complained: 0,
      bounceRate: 0,
      complaintRate: 0,
      warnings: { bounceRate: 0.05, complaintRate: 0.001 },
    });
  });

  it('shows an admin key every tenant: the failover at the primary, a send by each', async () => {
    const res = await app.request('GET', '/v1/stats');
    expect(res.json.window.minutes).toBe(60);
    expect(res.json.rates.hours).toBe(24);
    expect(seen(res)).toEqual({
      primary: { sent: 1, failed: 1, failovers: 1, successRate: 0.5, calls: 2 },
      backup: { sent: 1, failed: 0, failovers: 0, successRate: 1, calls: 1 },
    });
    const primaryStats = (res.json.providers as ProviderStats[])[0];
    expect(primaryStats.latencyMs!.p95).toBeGreaterThanOrEqual(primaryStats.latencyMs!.p50);
  });

  it("shows a tenant's key only its own emails' attempts and sends", async () => {
    const acme = await as(ACME, '/v1/stats');
    expect(seen(acme)).toEqual({
      primary: { sent: 0, failed: 1, failovers: 1, successRate: 0, calls: 1 },
      backup: { sent: 1, failed: 0, failovers: 0, successRate: 1, calls: 1 },
    });
    expect(acme.json.rates.sent).toBe(1);
    const globex = await as(GLOBEX, '/v1/stats');
    expect(seen(globex)).toEqual({
      primary: { sent: 1, failed: 0, failovers: 0, successRate: 1, calls: 1 },
      backup: { sent: 0, failed: 0, failovers: 0, successRate: null, calls: 0 },
    });
    expect(globex.json.providers[1].latencyMs).toBeNull();
    expect(globex.json.rates.sent).toBe(1);
  });

  it('needs a signed request with the read scope', async () => {
    const unsigned = await fetch(`${app.url}/v1/stats`);
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = await unsigned.text();
    expect(body).not.toMatch(/primary|backup|sent/);
    const sendOnly = await as(ACME_SENDER, '/v1/stats');
    expect(sendOnly.status).toBe(403);
    expect(sendOnly.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(sendOnly.text).not.toMatch(/"providers"/);
  });

  it.each([
    ['minutes=0', 'minutes', /at least 1/],
    ['minutes=1441', 'minutes', /at most 1440/],
    ['minutes=abc', 'minutes', /whole number/],
    ['minutes=1.5', 'minutes', /whole number/],
    ['rateHours=169', 'rateHours', /at most 168/],
    ['rateHours=-1', 'rateHours', /at least 1/],
    ['since=2030-01-01', 'since', /not a known parameter/],
  ])('refuses %s with a problem naming %s', async (query, field, detail) => {
    const res = await app.request('GET', `/v1/stats?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json.status).toBe(400);
    // Every problem names the field (a non-number also fails both bounds), one says why.
    expect(res.json.errors.length).toBeGreaterThan(0);
    for (const e of res.json.errors) expect(e.field).toBe(field);
    expect(res.json.errors).toContainEqual({ field, detail: expect.stringMatching(detail) });
  });

  it('is in the OpenAPI document with its parameters and read scope', async () => {
    const doc = (await fetch(`${app.url}/docs-json`).then((r) => r.json())) as {
      paths: Record<string, { get: { parameters: Array<{ name: string }>; security: unknown[] } }>;
    };
    const op = doc.paths['/v1/stats'].get;
    expect(op.parameters.map((p) => p.name).sort()).toEqual(['minutes', 'rateHours']);
    expect(op.security).toEqual([{ 'mailover-signature': [] }]);
  });
});
