import { plainToInstance } from 'class-transformer';
import { MailgunOptions } from '../../src/providers/mailgun/mailgun.options';
import { ProviderHttp } from '../../src/providers/http/provider-http';
import { testTransport } from '../support/http-transport';
import { MailgunProvider } from '../../src/providers/mailgun/mailgun.provider';
import { MailgunFake } from '../fakes/mailgun.fake';

const API_KEY = 'key-medium-mailgun-5e1d';
const DOMAIN = 'mg.acme.test';
const basic = (user: string, key: string) =>
  `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;

function validForm(): FormData {
  const form = new FormData();
  form.append('from', 'Acme <support@acme.test>');
  form.append('to', 'Ann Lee <ann@example.com>, bob@example.com');
  form.append('subject', 'Hello');
  form.append('text', 'Hi');
  form.append(
    'attachment',
    new Blob([new Uint8Array([1, 2, 3])], { type: 'application/pdf' }),
    'a.pdf',
  );
  return form;
}

describe('mailgun fake (medium)', () => {
  const fake = new MailgunFake({ apiKey: API_KEY, domain: DOMAIN });
  let url: string;

  beforeAll(async () => {
    url = `${await fake.start()}/v3/${DOMAIN}/messages`;
  });
  afterAll(() => fake.stop());
  afterEach(() => fake.heal());

  const post = (
    body: FormData | string,
    authorization = basic('api', API_KEY),
    target = url,
    headers: Record<string, string> = {},
  ) => fetch(target, { method: 'POST', headers: { authorization, ...headers }, body });

  it('answers 200 {id, message} with a fresh <...@domain> id each time', async () => {
    const first = await post(validForm());
    expect(first.status).toBe(200);
    const body = (await first.json()) as { id: string; message: string };
    expect(body.message).toBe('Queued. Thank you.');
    expect(body.id).toMatch(new RegExp(`^<[^<>@]+@${DOMAIN.replace(/\./g, '\\.')}>$`));
    expect(fake.lastMessageId).toBe(body.id);

    const second = (await (await post(validForm())).json()) as { id: string };
    expect(second.id).not.toBe(body.id);
    expect(fake.lastMessageId).toBe(second.id);
    expect((fake.lastRequest.form?.get('attachment') as File).name).toBe('a.pdf');
  });

  it.each([
    ['no Authorization header', ''],
    ['a wrong key', basic('api', 'key-wrong')],
    ['a user other than api', basic('user', API_KEY)],
    ['a bearer token', `Bearer ${API_KEY}`],
  ])('refuses %s with 401 and the bare text Forbidden', async (_what, authorization) => {
    const res = await post(validForm(), authorization);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('Forbidden');
  });

  it('answers 404 for a domain the account does not have', async () => {
    const res = await post(validForm(), basic('api', API_KEY), url.replace(DOMAIN, 'other.test'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Domain not found: other.test' });
  });

  it('refuses a body that is not multipart/form-data', async () => {
    const res = await post(JSON.stringify({ from: 'a@b.c' }), basic('api', API_KEY), url, {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      message:
        "Invalid request content type. Expecting 'multipart/form-data' but got 'application/json'",
    });
  });

  it.each([
    ['from', 'from parameter is missing'],
    ['to', 'to parameter is missing'],
    ['subject', 'subject parameter is missing'],
    ['text', "Need at least one of 'text' or 'html' parameters specified"],
  ])('answers 400 when %s is missing', async (field, message) => {
    const form = validForm();
    form.delete(field);
    const res = await post(form);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message });
  });

  it('answers 400 for an invalid recipient address', async () => {
    const form = validForm();
    form.append('cc', 'not-an-address');
    const res = await post(form);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      message: 'cc parameter is not a valid address. please check documentation',
    });
  });

  it('answers a rate-limit fault with 429 and a future X-RateLimit-Reset', async () => {
    fake.inject({ kind: 'rate-limit' }, 1);
    const res = await post(validForm());
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('x-ratelimit-reset')) * 1000).toBeGreaterThan(Date.now());
    expect(((await res.json()) as { message: string }).message).toMatch(
      /request limit exceeded, try again after .+ UTC$/,
    );
  });

  it('answers the other faults in Mailgun shapes', async () => {
    fake.inject({ kind: 'server-error' }, 1);
    let res = await post(validForm());
    expect([res.status, await res.json()]).toEqual([500, { message: 'Internal Server Error' }]);

    fake.inject({ kind: 'reject-recipient' }, 1);
    res = await post(validForm());
    expect([res.status, await res.json()]).toEqual([
      400,
      { message: 'to parameter is not a valid address. please check documentation' },
    ]);

    fake.inject({ kind: 'garbage' }, 1);
    res = await post(validForm());
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it('takes a base URL configured with /v3 on it (the EU host spelled the mailgun-go way)', async () => {
    const baseUrl = `${fake.url}/v3`;
    const config = plainToInstance(MailgunOptions, {
      id: 'mg-eu',
      type: 'mailgun',
      baseUrl,
      apiKey: API_KEY,
      domain: DOMAIN,
    });
    const provider = new MailgunProvider(
      config,
      new ProviderHttp(
        { providerId: 'mg-eu', baseUrl, timeoutMs: 1000, maxSockets: 1 },
        testTransport,
      ),
    );
    const email = {
      id: '01JD0000000000000000000009',
      from: { email: 'support@acme.test' },
      to: [{ email: 'ann@example.com' }],
      cc: [],
      bcc: [],
      subject: 'Hi',
      text: 'Hi',
      headers: {},
      attachments: [],
      tags: [],
      metadata: {},
    };
    try {
      const receipt = await provider.send(email);
      expect(receipt.messageId).toBe(fake.lastMessageId);
      expect(fake.lastRequest.path).toBe(`/v3/${DOMAIN}/messages`);
    } finally {
      await provider.close();
    }
  });
});
