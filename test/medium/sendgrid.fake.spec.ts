import { SendgridFake } from '../fakes/sendgrid.fake';

const API_KEY = 'SG.mediumKeyId.m3d1umS3cr3t';

const validMail = () => ({
  personalizations: [
    { to: [{ email: 'ann@example.com', name: 'Ann' }], custom_args: { mailover_id: 'x1' } },
  ],
  from: { email: 'support@acme.test', name: 'Acme' },
  subject: 'Hello',
  content: [
    { type: 'text/plain', value: 'Hi' },
    { type: 'text/html', value: '<p>Hi</p>' },
  ],
  attachments: [
    { content: Buffer.from('pdf').toString('base64'), filename: 'a.pdf', type: 'application/pdf' },
  ],
});

describe('sendgrid fake (medium)', () => {
  const fake = new SendgridFake(API_KEY);
  let url: string;

  beforeAll(async () => {
    url = `${await fake.start()}/v3/mail/send`;
  });
  afterAll(() => fake.stop());
  afterEach(() => fake.heal());

  const post = (body: unknown, authorization: string | undefined = `Bearer ${API_KEY}`) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers 202 with an empty body and a fresh X-Message-Id each time', async () => {
    const first = await post(validMail());
    expect(first.status).toBe(202);
    expect(await first.text()).toBe('');
    const id = first.headers.get('x-message-id');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(fake.lastMessageId).toBe(id);

    const second = await post(validMail());
    expect(second.headers.get('x-message-id')).not.toBe(id);
    expect(fake.lastMessageId).toBe(second.headers.get('x-message-id'));
  });

  it('answers 200 in sandbox mode', async () => {
    const res = await post({ ...validMail(), mail_settings: { sandbox_mode: { enable: true } } });
    expect(res.status).toBe(200);
    const quoted = await post({
      ...validMail(),
      mail_settings: { sandbox_mode: { enable: 'true' } },
    });
    expect(quoted.status).toBe(400);
    expect(
      ((await quoted.json()) as { errors: Array<{ message: string }> }).errors[0].message,
    ).toBe('The sandbox mode enable param should be a boolean value.');
  });

  it('refuses a missing or wrong key with 401 and SendGrid errors', async () => {
    const missing = await post(validMail(), '');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      errors: [{ message: 'authorization required', field: null, help: null }],
    });

    for (const authorization of ['Bearer SG.wrong', `Basic ${API_KEY}`, API_KEY]) {
      const res = await post(validMail(), authorization);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        errors: [
          {
            message: 'The provided authorization grant is invalid, expired, or revoked',
            field: null,
            help: null,
          },
        ],
      });
    }
  });

  it('answers 400 with one error per problem, naming each field', async () => {
    const res = await post({
      personalizations: [{ cc: [{ email: 'not-an-address' }] }],
      content: [],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      errors: Array<{ message: string; field: string; help: string }>;
    };
    expect(body.errors.map((e) => e.field)).toEqual([
      'personalizations.0.to',
      'personalizations.0.cc.0.email',
      'from',
      'subject',
      'content',
    ]);
    expect(body.errors[1].message).toBe('Does not contain a valid address.');
    for (const e of body.errors) expect(e.help).toMatch(/^http:\/\/sendgrid\.com\/docs\//);
  });

  it.each([
    ['personalizations', { ...validMail(), personalizations: [] }, 'personalizations'],
    [
      'duplicate recipients',
      {
        ...validMail(),
        personalizations: [{ to: [{ email: 'a@x.io' }], bcc: [{ email: 'A@x.io' }] }],
      },
      'personalizations.0',
    ],
    [
      'text/plain after text/html',
      { ...validMail(), content: [...validMail().content].reverse() },
      'content',
    ],
    [
      'attachment bytes that are not base64',
      { ...validMail(), attachments: [{ content: 'not base64!', filename: 'a.pdf' }] },
      'attachments.0.content',
    ],
  ])('answers 400 for %s', async (_what, mail, field) => {
    const res = await post(mail);
    expect(res.status).toBe(400);
    expect(
      ((await res.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field),
    ).toEqual([field]);
  });

  it('answers 400 Bad Request for a body that is not JSON', async () => {
    const res = await post('{"personalizations":');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [{ message: 'Bad Request', field: null, help: null }],
    });
  });

  it('answers a rate-limit fault with 429 and the X-RateLimit headers', async () => {
    fake.inject({ kind: 'rate-limit' }, 1);
    const res = await post(validMail());
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({
      errors: [{ field: null, message: 'too many requests', help: null }],
    });
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(res.headers.get('x-ratelimit-reset')) * 1000).toBeGreaterThan(Date.now());
  });

  it('answers the other faults in SendGrid shapes', async () => {
    fake.inject({ kind: 'reject-recipient' }, 1);
    let res = await post(validMail());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0].field).toBe(
      'personalizations.0.to.0.email',
    );

    fake.inject({ kind: 'server-error' }, 1);
    res = await post(validMail());
    expect(res.status).toBe(500);

    fake.inject({ kind: 'garbage' }, 1);
    res = await post(validMail());
    expect(res.status).toBe(202);
    expect(res.headers.get('x-message-id')).toBeNull();
  });
});
