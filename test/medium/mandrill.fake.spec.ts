import { plainToInstance } from 'class-transformer';
import { MandrillOptions } from '../../src/providers/mandrill/mandrill.options';
import { ProviderError } from '../../src/domain/provider-error';
import { ProviderHttp } from '../../src/providers/http/provider-http';
import { testTransport } from '../support/http-transport';
import { MandrillProvider } from '../../src/providers/mandrill/mandrill.provider';
import { sampleEmail } from '../contracts/sample-email';
import { MANDRILL_API_PREFIX, MandrillFake } from '../fakes/mandrill.fake';

const KEY = 'md-m3d1umK3yAbCdEfGhIjKlM';

/** `null` leaves the key out. */
const validBody = (key: string | null = KEY) => ({
  ...(key === null ? {} : { key }),
  message: {
    from_email: 'support@acme.test',
    from_name: 'Acme',
    to: [
      { email: 'ann@example.com', name: 'Ann', type: 'to' },
      { email: 'dave@example.com', type: 'bcc' },
    ],
    subject: 'Hello',
    text: 'Hi',
    metadata: { mailover_id: 'x1' },
  },
  async: false,
});

describe('mandrill fake (medium)', () => {
  const fake = new MandrillFake(KEY);
  let base: string;

  beforeAll(async () => {
    base = (await fake.start()) + MANDRILL_API_PREFIX;
  });
  afterAll(() => fake.stop());
  afterEach(() => {
    fake.heal();
    fake.legacyStatus = false;
    fake.rejectAddresses.clear();
  });

  const post = (path: string, body: unknown) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers a 200 array with one result and a fresh 32-hex _id per recipient, with or without .json', async () => {
    const res = await post('/messages/send', validBody());
    expect(res.status).toBe(200);
    const results = (await res.json()) as Array<Record<string, unknown>>;
    expect(results).toEqual([
      {
        email: 'ann@example.com',
        status: 'sent',
        _id: expect.stringMatching(/^[0-9a-f]{32}$/),
        reject_reason: null,
      },
      {
        email: 'dave@example.com',
        status: 'sent',
        _id: expect.stringMatching(/^[0-9a-f]{32}$/),
        reject_reason: null,
      },
    ]);
    expect(results[0]._id).not.toBe(results[1]._id);
    expect(fake.lastId).toBe(results[0]._id);

    const again = await post('/messages/send.json', validBody());
    const [first] = (await again.json()) as Array<{ _id: string }>;
    expect(first._id).not.toBe(results[0]._id);
    expect(fake.lastId).toBe(first._id);
  });

  it('refuses a missing or wrong key in the body with 401 Invalid_Key (500 in legacy mode)', async () => {
    const missing = await post('/messages/send', validBody(null));
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      status: 'error',
      code: -1,
      name: 'Invalid_Key',
      message: 'You must specify a key value',
    });

    const wrong = await post('/messages/send', validBody('md-not-the-key'));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      status: 'error',
      code: -1,
      name: 'Invalid_Key',
      message: 'Invalid API key',
    });

    // A key in an auth header does not count: Mandrill reads only the body.
    const header = await fetch(`${base}/messages/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify(validBody(null)),
    });
    expect(header.status).toBe(401);

    fake.legacyStatus = true;
    const legacy = await post('/messages/send', validBody('md-not-the-key'));
    expect(legacy.status).toBe(500);
    expect(((await legacy.json()) as { name: string }).name).toBe('Invalid_Key');
  });

  it('answers missing or invalid fields with 400 ValidationError', async () => {
    const noMessage = await post('/messages/send', { key: KEY });
    expect(noMessage.status).toBe(400);
    expect(await noMessage.json()).toEqual({
      status: 'error',
      code: -2,
      name: 'ValidationError',
      message: 'Validation error: {"message":"Sorry, this field can\'t be left blank."}',
    });

    const body = validBody();
    const noTo = await post('/messages/send', { ...body, message: { ...body.message, to: [] } });
    expect(noTo.status).toBe(400);
    expect(((await noTo.json()) as { name: string }).name).toBe('ValidationError');

    const badFrom = await post('/messages/send', {
      ...body,
      message: { ...body.message, from_email: 'acme.test' },
    });
    expect(badFrom.status).toBe(400);
    expect(((await badFrom.json()) as { message: string }).message).toBe(
      'Validation error: {"message":{"from_email":"An email address must contain a single @"}}',
    );

    const badTo = await post('/messages/send', {
      ...body,
      message: { ...body.message, to: [{ email: 'ann@example.com' }, { email: 'nobody' }] },
    });
    expect(((await badTo.json()) as { message: string }).message).toBe(
      'Validation error: {"message":{"to":{"1":{"email":"An email address must contain a single @"}}}}',
    );
  });

  it('refuses suppressed recipients per recipient inside a 200, and queues more than 10', async () => {
    fake.rejectAddresses.add('ann@example.com');
    const res = await post('/messages/send', validBody());
    expect(res.status).toBe(200);
    const [ann, dave] = (await res.json()) as Array<Record<string, unknown>>;
    expect(ann).toMatchObject({
      email: 'ann@example.com',
      status: 'rejected',
      reject_reason: 'hard-bounce',
    });
    expect(dave).toMatchObject({ email: 'dave@example.com', status: 'sent', reject_reason: null });
    expect(fake.lastId).toBe(dave._id);

    const body = validBody();
    const eleven = Array.from({ length: 11 }, (_, i) => ({
      email: `r${i}@example.com`,
      type: 'to',
    }));
    const many = await post('/messages/send', {
      ...body,
      message: { ...body.message, to: eleven },
    });
    const statuses = ((await many.json()) as Array<{ status: string }>).map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set(['queued']));
  });

  it('answers /users/ping with "PONG!", and the injected faults in Mandrill shapes', async () => {
    const ping = await post('/users/ping', { key: KEY });
    expect(await ping.json()).toBe('PONG!');

    fake.inject({ kind: 'rate-limit' }, 1);
    const limited = await post('/messages/send', validBody());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');

    fake.inject({ kind: 'reject-recipient' }, 1);
    const rejected = (await (await post('/messages/send', validBody())).json()) as Array<{
      status: string;
    }>;
    expect(rejected.map((r) => r.status)).toEqual(['rejected', 'rejected']);

    fake.inject({ kind: 'garbage' }, 1);
    const garbage = await post('/messages/send', validBody());
    expect(garbage.status).toBe(200);
    await expect(garbage.clone().json()).rejects.toThrow();
  });

  it('the adapter returns the first accepted _id when only some recipients are refused', async () => {
    const config = plainToInstance(MandrillOptions, {
      id: 'md-medium',
      type: 'mandrill',
      baseUrl: base,
      apiKey: KEY,
    });
    const provider = new MandrillProvider(
      config,
      new ProviderHttp(
        { providerId: 'md-medium', baseUrl: base, timeoutMs: 1000, maxSockets: 2 },
        testTransport,
      ),
    );
    try {
      fake.rejectAddresses.add('ann@example.com');
      const receipt = await provider.send(sampleEmail());
      expect(receipt.messageId).toBe(
        fake.lastResults.find((r) => r.email === 'bob@example.com')?._id,
      );

      for (const r of ['bob@example.com', 'carol@example.com', 'dave@example.com'])
        fake.rejectAddresses.add(r);
      const error = await provider.send(sampleEmail()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({
        kind: 'permanent',
        details: { status: 200, code: 'hard-bounce' },
      });
    } finally {
      await provider.close();
    }
  });
});
