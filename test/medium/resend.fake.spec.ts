import { plainToInstance } from 'class-transformer';
import { ResendOptions } from '../../src/providers/resend/resend.options';
import { ProviderHttp } from '../../src/providers/http/provider-http';
import { testTransport } from '../support/http-transport';
import { ResendProvider } from '../../src/providers/resend/resend.provider';
import { sampleEmail } from '../contracts/sample-email';
import { ResendFake } from '../fakes/resend.fake';

const API_KEY = 're_medium_4Tz8Qw1Ny';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const validEmail = (subject = 'Hello') => ({
  from: 'Acme <support@acme.test>',
  to: ['Ann Lee <ann@example.com>'],
  subject,
  text: 'Hi',
  tags: [{ name: 'mailover_id', value: '01JD0000000000000000000001' }],
});

interface ResendError {
  statusCode: number;
  name: string;
  message: string;
}

describe('resend fake (medium)', () => {
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const fake = new ResendFake({ apiKey: API_KEY, now: () => clock });
  let url: string;

  beforeAll(async () => {
    url = `${await fake.start()}/emails`;
  });
  afterAll(() => fake.stop());
  afterEach(() => {
    fake.heal();
    fake.processingMs = 0;
  });

  const post = (
    body: unknown,
    headers: Record<string, string> = {},
    authorization = `Bearer ${API_KEY}`,
  ) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('answers 200 {id} with a fresh uuid each time', async () => {
    const first = await post(validEmail());
    expect(first.status).toBe(200);
    const { id } = (await first.json()) as { id: string };
    expect(id).toMatch(UUID);
    expect(fake.lastMessageId).toBe(id);
    const second = (await (await post(validEmail())).json()) as { id: string };
    expect(second.id).not.toBe(id);
  });

  it('answers 401 missing_api_key without a key and 403 invalid_api_key for a wrong one', async () => {
    const missing = await post(validEmail(), {}, '');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ statusCode: 401, name: 'missing_api_key' });

    const wrong = await post(validEmail(), {}, 'Bearer re_wrong');
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({
      statusCode: 403,
      name: 'invalid_api_key',
      message: 'API key is invalid',
    });
  });

  it.each([
    ['from', 'missing_required_field', 'Missing `from` field.'],
    ['to', 'missing_required_field', 'Missing `to` field.'],
    ['subject', 'missing_required_field', 'Missing `subject` field.'],
    ['text', 'missing_required_field', 'Missing `html` or `text` field.'],
  ])('answers 422 when %s is missing', async (field, name, message) => {
    const body: Record<string, unknown> = validEmail();
    delete body[field];
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ statusCode: 422, name, message });
  });

  it.each([
    ['an invalid to address', { to: ['not-an-address'] }, 'validation_error'],
    ['an invalid from address', { from: 'Acme' }, 'invalid_from_address'],
    [
      'a tag outside the charset',
      { tags: [{ name: 'user email', value: 'a@b.c' }] },
      'validation_error',
    ],
    [
      'an attachment without content or path',
      { attachments: [{ filename: 'a.pdf' }] },
      'invalid_attachment',
    ],
  ])('answers 422 for %s', async (_what, change, name) => {
    const res = await post({ ...validEmail(), ...change });
    expect(res.status).toBe(422);
    expect(((await res.json()) as ResendError).name).toBe(name);
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and payload, without creating a second email', async () => {
      const first = (await (
        await post(validEmail(), { 'idempotency-key': 'k-replay' })
      ).json()) as { id: string };
      const created = fake.createdCount;
      const again = await post(validEmail(), { 'idempotency-key': 'k-replay' });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(first);
      expect(fake.createdCount).toBe(created);
    });

    it('answers 409 invalid_idempotent_request for the same key with another payload', async () => {
      await post(validEmail('one'), { 'idempotency-key': 'k-other' });
      const res = await post(validEmail('two'), { 'idempotency-key': 'k-other' });
      expect(res.status).toBe(409);
      expect(((await res.json()) as ResendError).name).toBe('invalid_idempotent_request');
    });

    it('answers 409 concurrent_idempotent_requests while the first request is in flight', async () => {
      fake.processingMs = 100;
      const before = fake.requests.length;
      const first = post(validEmail(), { 'idempotency-key': 'k-concurrent' });
      // The second goes out once the fake holds the first (no fixed sleep).
      while (fake.requests.length === before) await new Promise((r) => setImmediate(r));
      const [a, b] = await Promise.all([
        first,
        post(validEmail(), { 'idempotency-key': 'k-concurrent' }),
      ]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(409);
      expect(((await b.json()) as ResendError).name).toBe('concurrent_idempotent_requests');
    });

    it('forgets a key after 24 hours', async () => {
      const first = (await (
        await post(validEmail(), { 'idempotency-key': 'k-expiry' })
      ).json()) as { id: string };
      clock += 24 * 3600_000 - 1;
      expect(await (await post(validEmail(), { 'idempotency-key': 'k-expiry' })).json()).toEqual(
        first,
      );
      clock += 1;
      const later = (await (
        await post(validEmail(), { 'idempotency-key': 'k-expiry' })
      ).json()) as { id: string };
      expect(later.id).not.toBe(first.id);
    });

    it('does not remember a refused request, so the corrected one may reuse the key', async () => {
      const refused = await post({ ...validEmail(), to: ['bad'] }, { 'idempotency-key': 'k-fix' });
      expect(refused.status).toBe(422);
      expect((await post(validEmail(), { 'idempotency-key': 'k-fix' })).status).toBe(200);
    });

    it('answers 400 invalid_idempotency_key for a key outside 1-256 characters', async () => {
      for (const key of ['', 'k'.repeat(257)]) {
        const res = await post(validEmail(), { 'idempotency-key': key });
        expect(res.status).toBe(400);
        expect(((await res.json()) as ResendError).name).toBe('invalid_idempotency_key');
      }
      expect((await post(validEmail(), { 'idempotency-key': 'k'.repeat(256) })).status).toBe(200);
    });

    it('makes an adapter retry with the same key return the original id', async () => {
      const config = plainToInstance(ResendOptions, {
        id: 'resend-medium',
        type: 'resend',
        baseUrl: fake.url,
        apiKey: API_KEY,
      });
      const provider = new ResendProvider(
        config,
        new ProviderHttp(
          {
            providerId: 'resend-medium',
            baseUrl: fake.url,
            timeoutMs: 1000,
            maxSockets: 2,
          },
          testTransport,
        ),
      );
      try {
        const first = await provider.send(sampleEmail(), { idempotencyKey: 'mailover-01JD-retry' });
        const created = fake.createdCount;
        const retry = await provider.send(sampleEmail(), { idempotencyKey: 'mailover-01JD-retry' });
        expect(retry.messageId).toBe(first.messageId);
        expect(fake.createdCount).toBe(created);
      } finally {
        await provider.close();
      }
    });
  });

  it('answers a rate-limit fault with 429, ratelimit-* and retry-after', async () => {
    fake.inject({ kind: 'rate-limit' }, 1);
    const res = await post(validEmail());
    expect(res.status).toBe(429);
    expect(((await res.json()) as ResendError).name).toBe('rate_limit_exceeded');
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
    expect(res.headers.get('ratelimit-reset')).toBe('1');
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('answers the other faults in Resend shapes', async () => {
    fake.inject({ kind: 'reject-recipient' }, 1);
    let res = await post(validEmail());
    expect(res.status).toBe(422);
    expect(((await res.json()) as ResendError).name).toBe('validation_error');

    fake.inject({ kind: 'server-error' }, 1);
    res = await post(validEmail());
    expect(res.status).toBe(500);
    expect(((await res.json()) as ResendError).statusCode).toBe(500);

    fake.inject({ kind: 'garbage' }, 1);
    res = await post(validEmail());
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });
});
