import fc from 'fast-check';
import { signRequest } from '../../src/domain/signing';
import { EVENT_STORE, type EventStore } from '../../src/store/events.store';
import { eventually, startTestApp, type TestApp } from '../support/test-app';
import {
  basicAuth,
  mailgunSigned,
  mandrillSigned,
  resendSigned,
  sendgridKeys,
  sendgridSigned,
} from '../support/webhook-signing';

/** Provider webhooks with their own schemes: the fuzzed requests are signed by these. */
const HOOKS = {
  mailgunKey: 'fuzz-mailgun-signing-key',
  sendgrid: sendgridKeys(),
  resendSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  mandrill: { key: 'fuzz-mandrill-key', url: 'https://mailover.example.com/v1/webhooks/md' },
  postmark: { username: 'pm', password: 'fuzz-postmark-password' },
};

const KEY = {
  id: 'fuzz-key',
  secret: 'fuzz-secret-0123456789abcdef0123',
  scopes: ['send', 'read', 'admin'],
};

/** Generated bodies, signed or not, on every route that takes one: never a 5xx. */
describe('fuzzed requests never produce a 5xx', () => {
  let app: TestApp;
  const seen = new Map<number, number>();

  beforeAll(async () => {
    app = await startTestApp({
      server: { bodyLimitBytes: 64 * 1024 },
      auth: { keys: [KEY] },
      providers: [
        { id: 'sandbox', type: 'sandbox' },
        ...[
          {
            id: 'mg',
            type: 'mailgun',
            apiKey: 'k',
            domain: 'mg.test',
            webhook: { signingKey: HOOKS.mailgunKey },
          },
          {
            id: 'sg',
            apiKey: 'k',
            type: 'sendgrid',
            webhook: { publicKey: HOOKS.sendgrid.publicKey },
          },
          {
            id: 'ses',
            type: 'ses',
            region: 'us-east-1',
            accessKeyId: 'a',
            secretAccessKey: 'b',
            webhook: { topicArns: ['arn:aws:sns:us-east-1:1:t'] },
          },
          { id: 'pm', type: 'postmark', serverToken: 't', webhook: HOOKS.postmark },
          { id: 'md', apiKey: 'k', type: 'mandrill', webhook: HOOKS.mandrill },
          {
            id: 'sp',
            apiKey: 'k',
            type: 'sparkpost',
            webhook: { bearerToken: 'fuzz-sparkpost-token' },
          },
          { id: 'rs', apiKey: 'k', type: 'resend', webhook: { secret: HOOKS.resendSecret } },
        ].map((p) => ({ enabled: false, ...p })),
      ],
      logging: { level: 'silent' },
    });
  });

  afterAll(() => app.close());

  async function send(
    method: string,
    target: string,
    body: Uint8Array | undefined,
    contentType: string | undefined,
    sign: boolean,
    extraHeaders: Record<string, string> = {},
  ): Promise<number> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (sign)
      Object.assign(
        headers,
        signRequest({ keyId: KEY.id, secret: KEY.secret, method, target, body }),
      );
    const res = await fetch(app.url + target, { method, headers, body });
    await res.arrayBuffer();
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    return res.status;
  }

  const route = fc.constantFrom(
    ['POST', '/v1/emails'],
    ['POST', '/email'],
    ['POST', '/v1/providers/sandbox/disable'],
    ['DELETE', '/v1/emails/01JD3Q1ZK6W5V9X8Y7T6S5R4Q3'],
    ['POST', '/v1/webhooks/mg'],
    ['POST', '/v1/webhooks/sg'],
    ['POST', '/v1/webhooks/ses'],
    ['POST', '/v1/webhooks/pm'],
    ['POST', '/v1/webhooks/md'],
    ['POST', '/v1/webhooks/sp'],
    ['POST', '/v1/webhooks/rs'],
    ['POST', '/v1/webhooks/nope'],
    ['PUT', '/v1/suppressions/ann@example.com'],
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    undefined,
  );
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('', '\u0000', '\r\n', '𝔘', '<script>'),
  );
  const address = fc.oneof(
    fc.emailAddress(),
    text,
    fc.record({ email: fc.oneof(fc.emailAddress(), text), name: fc.option(text) }),
    fc.constant(null),
    fc.integer(),
  );
  /** Objects shaped like a send request, with hostile values in any field. */
  const emailLike = fc.record(
    {
      from: address,
      to: fc.oneof(address, fc.array(address, { maxLength: 60 })),
      cc: fc.array(address, { maxLength: 5 }),
      bcc: fc.oneof(fc.array(address, { maxLength: 5 }), text),
      replyTo: address,
      subject: fc.oneof(
        text,
        fc.integer(),
        fc.constant(null),
        fc.string({ minLength: 990, maxLength: 1100 }),
      ),
      text: fc.oneof(text, fc.object()),
      html: text,
      headers: fc.oneof(fc.dictionary(text, fc.oneof(text, fc.integer())), fc.array(text)),
      attachments: fc.array(
        fc.record(
          {
            filename: text,
            content: fc.oneof(fc.base64String(), text),
            contentType: text,
            contentId: text,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      tags: fc.oneof(fc.array(text), text),
      metadata: fc.oneof(fc.dictionary(text, fc.anything()), fc.anything()),
      sendAt: fc.oneof(
        text,
        fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'NaN' : d.toISOString())),
        fc.integer(),
      ),
      providers: fc.oneof(fc.array(text), fc.constant(['sandbox']), fc.constant([])),
    },
    { requiredKeys: [] },
  );
  /** A valid send request with at most one field replaced by a hostile value: reaches acceptance. */
  const nearlyValid = fc
    .tuple(
      fc.record({
        from: fc.constantFrom('ops@acme.test', 'Acme Ops <ops@acme.test>'),
        to: fc.array(fc.emailAddress(), { minLength: 1, maxLength: 3 }),
        subject: fc.string({ minLength: 1, maxLength: 80 }),
        text: fc.string({ unit: 'binary', maxLength: 500 }),
        tags: fc.array(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { maxLength: 3 }),
      }),
      fc.option(
        fc.tuple(
          fc.constantFrom(
            'from',
            'to',
            'subject',
            'text',
            'html',
            'headers',
            'sendAt',
            'tags',
            'metadata',
            'attachments',
            'providers',
          ),
          fc.anything(),
        ),
      ),
    )
    .map(([email, change]) => (change ? { ...email, [change[0]]: change[1] } : email));
  /** The legacy form fields, form-encoded. */
  const legacyForm = fc
    .dictionary(
      fc.constantFrom(
        'to',
        'to_name',
        'from',
        'from_name',
        'subject',
        'body',
        'text',
        'send_at',
        '__proto__',
        'x',
      ),
      text,
    )
    .map((fields) => new URLSearchParams(Object.entries(fields)).toString());

  const bytes = (s: string) => new TextEncoder().encode(s);
  const runs = { numRuns: 150 };

  it('random bytes with any media type, signed or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        route,
        contentType,
        fc.uint8Array({ maxLength: 2048 }),
        fc.boolean(),
        async ([method, target], type, body, sign) => {
          expect(
            await send(method, target, body.length ? body : undefined, type, sign),
          ).toBeLessThan(500);
        },
      ),
      runs,
    );
  });

  it('malformed and hostile JSON, signed', async () => {
    const json = fc.oneof(
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      emailLike.map((v) => JSON.stringify(v)),
      fc.string().map((s) => `{"from": ${s}`),
      fc.constantFrom(
        '{"__proto__": {"polluted": true}}',
        '{"constructor": {"prototype": {"x": 1}}}',
        '[]',
        'null',
        '1e999',
        '"\\ud800"',
        '{"to": []}',
        '['.repeat(65) + ']'.repeat(65),
        '{"a":'.repeat(200) + '1' + '}'.repeat(200),
        JSON.stringify({ to: new Array(20_000).fill(1) }),
        JSON.stringify({ subject: 'a\u0085\u202eb', to: 'ann@example.com', text: 'x' }),
        JSON.stringify({ headers: { 'ARC-Seal': 'x', Received: 'y' } }),
        JSON.stringify({ sendAt: '2027-02-30T09:30:00Z' }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/v1/emails', '/email'), json, async (target, body) => {
        expect(await send('POST', target, bytes(body), 'application/json', true)).toBeLessThan(500);
      }),
      runs,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('hostile send requests that parse, signed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(emailLike, nearlyValid),
        fc.option(fc.string({ maxLength: 300 })),
        async (email, idempotencyKey) => {
          const headers: Record<string, string> = {};
          if (idempotencyKey !== null && /^[\x20-\x7e]*$/.test(idempotencyKey))
            headers['Idempotency-Key'] = idempotencyKey;
          expect(
            await send(
              'POST',
              '/v1/emails',
              bytes(JSON.stringify(email)),
              'application/json',
              true,
              headers,
            ),
          ).toBeLessThan(500);
        },
      ),
      runs,
    );
  });

  it("hostile payloads correctly signed with each provider's scheme: 200 or 400, never a 5xx", async () => {
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.array(
        fc.dictionary(
          fc.constantFrom(
            'event',
            'email',
            'timestamp',
            'type',
            'msys',
            'sg_message_id',
            'mailover_id',
          ),
          fc.jsonValue(),
        ),
      ),
      fc.dictionary(
        fc.constantFrom(
          'event',
          'recipient',
          'timestamp',
          'message',
          'user-variables',
          'severity',
          'reason',
        ),
        fc.jsonValue(),
      ),
      fc.dictionary(
        fc.constantFrom('RecordType', 'Type', 'MessageID', 'Metadata', 'BouncedAt', 'Email'),
        fc.jsonValue(),
      ),
      fc.record({
        type: fc.oneof(fc.constant('email.bounced'), fc.string()),
        data: fc.jsonValue(),
      }),
    );
    const signedFor = (
      provider: string,
      body: unknown,
    ): { headers: Record<string, string>; body: string } => {
      switch (provider) {
        case 'mg':
          return mailgunSigned(HOOKS.mailgunKey, body as Record<string, unknown>);
        case 'sg':
          return sendgridSigned(HOOKS.sendgrid.privateKey, body as unknown[]);
        case 'md':
          return mandrillSigned(HOOKS.mandrill.key, HOOKS.mandrill.url, body as unknown[]);
        case 'pm':
          return {
            headers: {
              'content-type': 'application/json',
              authorization: basicAuth(HOOKS.postmark.username, HOOKS.postmark.password),
            },
            body: JSON.stringify(body),
          };
        case 'sp':
          return {
            headers: {
              'content-type': 'application/json',
              authorization: 'Bearer fuzz-sparkpost-token',
            },
            body: JSON.stringify(body),
          };
        default:
          return resendSigned(HOOKS.resendSecret, body);
      }
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('mg', 'sg', 'md', 'pm', 'sp', 'rs'),
        payload,
        async (provider, body) => {
          const signed = signedFor(provider, body);
          const res = await fetch(`${app.url}/v1/webhooks/${provider}`, {
            method: 'POST',
            headers: signed.headers,
            body: signed.body,
          });
          await res.arrayBuffer();
          expect([200, 400]).toContain(res.status);
        },
      ),
      runs,
    );
    // The processor read every stored one after the answers without failing: none is left.
    const store = app.app.get<EventStore>(EVENT_STORE);
    await eventually(async () => (await store.pendingDeliveries(1)).length === 0);
  });

  it('legacy form posts, signed', async () => {
    await fc.assert(
      fc.asyncProperty(legacyForm, async (form) => {
        expect(
          await send('POST', '/email', bytes(form), 'application/x-www-form-urlencoded', true),
        ).toBeLessThan(500);
      }),
      runs,
    );
  });

  it('hostile signature headers and query strings', async () => {
    const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,100}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            'X-Mailover-Key': fc.oneof(headerValue, fc.constant(KEY.id)),
            'X-Mailover-Timestamp': fc.oneof(
              headerValue,
              fc.integer().map(String),
              fc.constant('99999999999999999999'),
            ),
            'X-Mailover-Nonce': headerValue,
            'X-Mailover-Signature': fc.oneof(
              headerValue,
              fc.hexaString({ minLength: 64, maxLength: 64 }).map((h) => `v1=${h}`),
            ),
          },
          { requiredKeys: [] },
        ),
        fc.webQueryParameters(),
        async (headers, query) => {
          const status = await send(
            'GET',
            `/v1/emails?${query}`,
            undefined,
            undefined,
            false,
            headers,
          );
          expect(status).toBe(401);
        },
      ),
      runs,
    );
  });

  it('signed list queries with hostile parameters', async () => {
    const param = fc.constantFrom(
      'status',
      'recipient',
      'provider',
      'tag',
      'since',
      'until',
      'cursor',
      'limit',
      'x',
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(param, fc.string()), async (query) => {
        const target = `/v1/emails?${new URLSearchParams(query).toString()}`;
        expect(await send('GET', target, undefined, undefined, true)).toBeLessThan(500);
      }),
      runs,
    );
  });

  it('unauthenticated floods of odd bodies on every route: never a 5xx, and the server stays responsive', async () => {
    const anyRoute = fc.tuple(
      fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      fc.constantFrom(
        '/health/live',
        '/health/ready',
        '/health/providers',
        '/metrics',
        '/docs',
        '/docs-json',
        '/v1/emails',
        '/v1/emails/01JD3Q1ZK6W5V9X8Y7T6S5R4Q3',
        '/email',
        '/v1/providers',
        '/v1/providers/sandbox/disable',
        '/no/such/route',
      ),
    );
    const oddBody = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }),
      fc.integer({ min: 1, max: 20_000 }).map((n) => bytes('a=&'.repeat(n))),
      fc.integer({ min: 1, max: 5_000 }).map((n) => bytes('['.repeat(n))),
      fc.integer({ min: 1, max: 20_000 }).map((n) => bytes(`{"to":[${'1,'.repeat(n)}1]}`)),
      fc.constantFrom(bytes('{"__proto__":{"x":1}}'), bytes('\u0000'), bytes('')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(anyRoute, contentType, oddBody), { minLength: 10, maxLength: 10 }),
        async (flood) => {
          const statuses = await Promise.all(
            flood.map(([[method, target], type, body]) =>
              send(
                method,
                target,
                method === 'GET' || method === 'HEAD' || !body.length ? undefined : body,
                type,
                false,
              ),
            ),
          );
          for (const status of statuses) expect(status).toBeLessThan(500);
          expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('reached past the signature check into validation and acceptance', () => {
    // Otherwise the properties above would prove little.
    expect(seen.get(202)).toBeGreaterThan(0);
    expect(seen.get(400)).toBeGreaterThan(10);
    expect(seen.get(401)).toBeGreaterThan(10);
  });
});
