import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { NonceStore } from '../../src/auth/nonce.store';
import { signRequest, type SignRequestInput } from '../../src/domain/signing';
import { createTempSchema } from '../support/postgres-schema';
import { spawnServer, whenLive } from '../support/spawn-server';
import {
  eventually,
  FAST_DISPATCH,
  signedRequest,
  startTestApp,
  type TestApp,
} from '../support/test-app';

const KEYS = {
  sender: { id: 'sec-sender', secret: 'sender-secret-0123456789abcdef', scopes: ['send'] },
  reader: { id: 'sec-reader', secret: 'reader-secret-0123456789abcdef', scopes: ['read'] },
  admin: {
    id: 'sec-admin',
    secret: 'admin-secret-0123456789abcdef0',
    scopes: ['send', 'read', 'admin'],
  },
  retired: {
    id: 'sec-retired',
    secret: 'retired-secret-0123456789abcde',
    scopes: ['send', 'read', 'admin'],
    disabled: true,
  },
  limited: { id: 'sec-limited', secret: 'limited-secret-0123456789abcde', scopes: ['read'] },
  /** Another application: its own tenant. */
  outsider: {
    id: 'sec-outsider',
    secret: 'outsider-secret-0123456789abcd',
    scopes: ['send', 'read'],
    tenant: 'other-app',
  },
  /** A second key of the sender's application (its tenant is the sender's key id). */
  teammate: {
    id: 'sec-teammate',
    secret: 'teammate-secret-0123456789abcd',
    scopes: ['send', 'read'],
    tenant: 'sec-sender',
  },
  /** The key unsigned `POST /email` calls from 127.0.0.1 act as (auth.legacyUnsigned). */
  legacy: {
    id: 'sec-legacy',
    secret: 'legacy-secret-0123456789abcdef',
    scopes: ['send'],
    tenant: 'legacy-app',
  },
};
type KeyName = keyof typeof KEYS;

const EMAIL = JSON.stringify({
  from: 'ops@acme.test',
  to: ['ann@example.com'],
  subject: 'Hello',
  text: 'Hi Ann',
});
const now = () => Math.floor(Date.now() / 1000);
const withEmail = (patch: Record<string, unknown>) =>
  JSON.stringify({ ...JSON.parse(EMAIL), ...patch });

interface Call {
  method: string;
  target: string;
  body?: string;
  contentType?: string;
  /** The key that signs, and what it signs when that differs from what is sent. */
  key?: KeyName | { id: string; secret: string };
  signed?: Partial<SignRequestInput>;
  /** Replaces or removes (undefined) signature headers after signing. */
  headers?: Record<string, string | undefined>;
  /** X-Forwarded-For, as a client behind no proxy might spoof it. */
  forwardedFor?: string;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

async function call(app: TestApp, c: Call): Promise<Answer> {
  const key = typeof c.key === 'string' ? KEYS[c.key] : c.key;
  const headers: Record<string, string> = {};
  if (c.contentType) headers['content-type'] = c.contentType;
  else if (c.body !== undefined) headers['content-type'] = 'application/json';
  if (key) {
    Object.assign(
      headers,
      signRequest({
        keyId: key.id,
        secret: key.secret,
        method: c.method,
        target: c.target,
        body: c.body,
        ...c.signed,
      }),
    );
  }
  for (const [name, value] of Object.entries(c.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  if (c.forwardedFor) headers['x-forwarded-for'] = c.forwardedFor;
  const res = await fetch(app.url + c.target, { method: c.method, headers, body: c.body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

/** The original call, unsigned (as its existing clients send it). */
const legacyForm = (patch: Partial<Call> = {}): Call => ({
  method: 'POST',
  target: '/email',
  body: 'to=ann@example.com&from=ops@acme.test&subject=Hi&body=x',
  contentType: 'application/x-www-form-urlencoded',
  ...patch,
});

const send = (patch: Partial<Call> = {}): Call => ({
  method: 'POST',
  target: '/v1/emails',
  body: EMAIL,
  key: 'sender',
  ...patch,
});
const read = (patch: Partial<Call> = {}): Call => ({
  method: 'GET',
  target: '/v1/providers',
  key: 'reader',
  ...patch,
});

describe('signed requests, keys, scopes and limits', () => {
  let app: TestApp;
  let emailId: string;

  beforeAll(async () => {
    app = await startTestApp({
      server: { bodyLimitBytes: 4096 },
      auth: {
        keys: Object.values(KEYS),
        maxSkewSeconds: 300,
        legacyUnsigned: { allowFrom: ['127.0.0.1/32', '::1'], key: KEYS.legacy.id },
      },
      rateLimit: {
        default: { limit: 10000, ttlMs: 60000 },
        anonymous: { limit: 10000, ttlMs: 60000 },
        perKey: { [KEYS.limited.id]: { limit: 3, ttlMs: 60000 } },
      },
    });
    const accepted = await call(app, send());
    expect(accepted.status).toBe(202);
    emailId = accepted.body!.id as string;
  });

  afterAll(() => app.close());

  // Each row: a request and the status it must get. Rows that reuse a nonce or spend a budget
  // have their own tests below.
  const table: Array<[string, () => Call, number]> = [
    ['a well-signed send (control)', () => send(), 202],
    ['a well-signed read (control)', () => read(), 200],
    ['no signature headers at all', () => read({ key: undefined }), 401],
    ['no X-Mailover-Key', () => read({ headers: { 'X-Mailover-Key': undefined } }), 401],
    [
      'no X-Mailover-Timestamp',
      () => read({ headers: { 'X-Mailover-Timestamp': undefined } }),
      401,
    ],
    ['no X-Mailover-Nonce', () => read({ headers: { 'X-Mailover-Nonce': undefined } }), 401],
    [
      'no X-Mailover-Signature',
      () => read({ headers: { 'X-Mailover-Signature': undefined } }),
      401,
    ],
    ['a 15-character nonce', () => read({ signed: { nonce: 'abcdefghijklmno' } }), 401],
    ['a 65-character nonce', () => read({ signed: { nonce: 'a'.repeat(65) } }), 401],
    [
      'a nonce with a forbidden character',
      () => read({ signed: { nonce: 'abcdefghijklmnop+' } }),
      401,
    ],
    ['a timestamp in milliseconds', () => read({ signed: { timestamp: Date.now() } }), 401],
    [
      'a timestamp that is not a number',
      () => read({ headers: { 'X-Mailover-Timestamp': 'yesterday' } }),
      401,
    ],
    [
      'a signature without its version',
      () => read({ headers: { 'X-Mailover-Signature': 'a'.repeat(64) } }),
      401,
    ],
    [
      'a signature in upper-case hex',
      () => read({ headers: { 'X-Mailover-Signature': `v1=${'A'.repeat(64)}` } }),
      401,
    ],
    [
      'a signature of another version',
      () => read({ headers: { 'X-Mailover-Signature': `v2=${'a'.repeat(64)}` } }),
      401,
    ],
    [
      'two key ids',
      () => read({ headers: { 'X-Mailover-Key': `${KEYS.reader.id}, ${KEYS.reader.id}` } }),
      401,
    ],
    ['an unknown key', () => read({ key: { id: 'sec-nobody', secret: KEYS.reader.secret } }), 401],
    [
      'the wrong secret',
      () => read({ key: { id: KEYS.reader.id, secret: KEYS.admin.secret } }),
      401,
    ],
    ['a disabled key', () => read({ key: 'retired' }), 401],
    [
      'one byte of the body changed',
      () => send({ signed: { body: EMAIL.replace('Hi Ann', 'Hi Bnn') } }),
      401,
    ],
    [
      'a byte appended to the body',
      () => send({ body: `${EMAIL} `, signed: { body: EMAIL } }),
      401,
    ],
    ['a body sent where none was signed', () => send({ signed: { body: undefined } }), 401],
    [
      'the method changed (GET signed, DELETE sent)',
      () => ({
        method: 'DELETE',
        target: `/v1/emails/${emailId}`,
        key: 'admin',
        signed: { method: 'GET' },
      }),
      401,
    ],
    [
      'the path changed',
      () => ({
        method: 'POST',
        target: '/v1/providers/sandbox/enable',
        key: 'admin',
        signed: { target: '/v1/providers/sandbox/disable' },
      }),
      401,
    ],
    [
      'the query changed',
      () => read({ target: '/v1/emails?limit=6', signed: { target: '/v1/emails?limit=5' } }),
      401,
    ],
    [
      'a query added',
      () => read({ target: '/v1/emails?limit=6', signed: { target: '/v1/emails' } }),
      401,
    ],
    [
      'the query dropped',
      () => read({ target: '/v1/emails', signed: { target: '/v1/emails?limit=5' } }),
      401,
    ],
    ['a timestamp 301 s old', () => read({ signed: { timestamp: now() - 301 } }), 401],
    ['a timestamp 301 s ahead', () => read({ signed: { timestamp: now() + 301 } }), 401],
    [
      'a timestamp 290 s old (inside the window)',
      () => read({ signed: { timestamp: now() - 290 } }),
      200,
    ],
    ['a send by a key without the send scope', () => send({ key: 'reader' }), 403],
    ['a read by a key without the read scope', () => read({ key: 'sender' }), 403],
    [
      'a cancel by a key without the send scope',
      () => ({ method: 'DELETE', target: `/v1/emails/${emailId}`, key: 'reader' }),
      403,
    ],
    [
      'draining a provider without the admin scope',
      () => ({ method: 'POST', target: '/v1/providers/sandbox/disable', key: 'sender' }),
      403,
    ],
    [
      'the legacy form endpoint unsigned, from an allowed network (auth.legacyUnsigned)',
      () => legacyForm(),
      202,
    ],
    [
      'the legacy endpoint unsigned with JSON, from an allowed network',
      () => ({
        ...legacyForm(),
        body: JSON.stringify({
          to: 'ann@example.com',
          from: 'ops@acme.test',
          subject: 'Hi',
          body: 'x',
        }),
        contentType: 'application/json',
      }),
      202,
    ],
    [
      'the legacy endpoint signed (still works where unsigned is allowed)',
      () => ({ ...legacyForm(), key: 'sender' }),
      202,
    ],
    [
      'the legacy endpoint with a wrong signature, from an allowed network',
      () => ({ ...legacyForm(), key: { id: KEYS.sender.id, secret: KEYS.reader.secret } }),
      401,
    ],
    [
      'the legacy endpoint with one signature header, from an allowed network',
      () => ({ ...legacyForm(), headers: { 'X-Mailover-Key': KEYS.legacy.id } }),
      401,
    ],
    [
      'POST /v1/emails unsigned from a network allowed for /email',
      () => send({ key: undefined }),
      401,
    ],
    [
      'GET /v1/emails unsigned from a network allowed for /email',
      () => read({ key: undefined, target: '/v1/emails' }),
      401,
    ],
    [
      'another tenant reads an email by id',
      () => read({ key: 'outsider', target: `/v1/emails/${emailId}` }),
      404,
    ],
    [
      'another tenant cancels an email',
      () => ({ method: 'DELETE', target: `/v1/emails/${emailId}`, key: 'outsider' }),
      404,
    ],
    [
      'a key of the same tenant reads an email by id',
      () => read({ key: 'teammate', target: `/v1/emails/${emailId}` }),
      200,
    ],
    [
      'an admin key reads another tenant’s email',
      () => read({ key: 'admin', target: `/v1/emails/${emailId}` }),
      200,
    ],
    [
      'the legacy form endpoint without the send scope',
      () => ({
        method: 'POST',
        target: '/email',
        body: 'to=ann@example.com&from=ops@acme.test&subject=Hi&body=x',
        contentType: 'application/x-www-form-urlencoded',
        key: 'reader',
      }),
      403,
    ],
    [
      'malformed JSON, unsigned: 401 before any parsing',
      () => send({ body: '{"from": ', key: undefined }),
      401,
    ],
    [
      'malformed JSON, wrongly signed: 401, not a parse error',
      () => send({ body: '{"from": ', signed: { body: '{"from": "x"}' } }),
      401,
    ],
    ['malformed JSON, correctly signed: now a parse error', () => send({ body: '{"from": ' }), 400],
    [
      'a body of another media type, unsigned',
      () => send({ contentType: 'text/plain', key: undefined }),
      401,
    ],
    ['a body of another media type, signed', () => send({ contentType: 'text/plain' }), 415],
    [
      'a body over the size limit (4 KiB here)',
      () => send({ body: JSON.stringify({ text: 'x'.repeat(5000) }) }),
      413,
    ],
    // Issue 8: parsers, open routes, input rules.
    ['JSON nested 65 levels deep', () => send({ body: '['.repeat(65) + ']'.repeat(65) }), 400],
    [
      'a form of 1,001 fields',
      () => ({
        method: 'POST',
        target: '/email',
        body: 'a=&'.repeat(1001),
        contentType: 'application/x-www-form-urlencoded',
        key: 'sender',
      }),
      400,
    ],
    [
      'a form body on an open route',
      () => ({
        method: 'POST',
        target: '/health/live',
        body: 'a=&'.repeat(1000),
        contentType: 'application/x-www-form-urlencoded',
      }),
      405,
    ],
    ['a JSON body on /metrics', () => ({ method: 'POST', target: '/metrics', body: '{}' }), 405],
    ['an empty subject', () => send({ body: withEmail({ subject: '' }) }), 400],
    ['a C1 control in the subject', () => send({ body: withEmail({ subject: 'a\u0085b' }) }), 400],
    [
      'a bidi override in the subject',
      () => send({ body: withEmail({ subject: 'a\u202eb' }) }),
      400,
    ],
    [
      'a bidi isolate in a name',
      () => send({ body: withEmail({ to: [{ email: 'ann@example.com', name: 'A\u2066B' }] }) }),
      400,
    ],
    [
      'a C1 control in a header value',
      () => send({ body: withEmail({ headers: { 'X-Note': 'a\u009bb' } }) }),
      400,
    ],
    [
      'a bidi override in a filename',
      () =>
        send({
          body: withEmail({ attachments: [{ filename: 'a\u202etxt.exe', content: 'aGk=' }] }),
        }),
      400,
    ],
    ...[
      'Authentication-Results',
      'ARC-Seal',
      'Received-SPF',
      'Resent-To',
      'Delivered-To',
      'DKIM-Signature',
      'Return-Path',
      'Errors-To',
    ].map((name): [string, () => Call, number] => [
      `a forged ${name} header`,
      () => send({ body: withEmail({ headers: { [name]: 'x' } }) }),
      400,
    ]),
    [
      'a sendAt that does not exist (2027-02-30)',
      () => send({ body: withEmail({ sendAt: '2027-02-30T09:30:00Z' }) }),
      400,
    ],
    [
      'a list filter since a day that does not exist',
      () => read({ key: 'admin', target: '/v1/emails?since=2027-02-30' }),
      400,
    ],
    [
      'a list filter until a day that does not exist',
      () => read({ key: 'admin', target: '/v1/emails?until=2027-04-31T00:00:00Z' }),
      400,
    ],
    [
      'a list filter since a day that exists',
      () => read({ key: 'admin', target: '/v1/emails?since=2027-02-28' }),
      200,
    ],
  ];

  it.each(table.map(([name, request, status]) => [name, status, request] as const))(
    '%s answers %i',
    async (_name, expected, request) => {
      const res = await call(app, request());
      expect(res.status).toBe(expected);
      if (expected >= 400) {
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: expected });
      }
    },
  );

  it('answers an unknown key, a wrong secret, a disabled key and a replay identically', async () => {
    const first = read({
      key: 'admin',
      signed: { nonce: 'replay-nonce-0000000001', timestamp: now() },
    });
    expect((await call(app, first)).status).toBe(200);
    const answers = await Promise.all([
      call(app, first), // the same request again: a replay
      call(app, read({ key: { id: 'sec-nobody', secret: KEYS.reader.secret } })),
      call(app, read({ key: { id: KEYS.reader.id, secret: 'not-the-secret-at-all-0123456' } })),
      call(app, read({ key: 'retired' })),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(answers[0].body);
      expect(answer.headers.get('www-authenticate')).toBe(
        answers[0].headers.get('www-authenticate'),
      );
    }
    expect(answers[0].body).toEqual({
      type: 'https://mailover.dev/problems/unauthenticated',
      title: 'Unauthorized',
      status: 401,
      detail: expect.any(String),
      instance: '/v1/providers',
    });
  });

  it('accepts a nonce once per key: a replayed send is refused and stores nothing', async () => {
    // A replay is the same signed request: the same timestamp too (call signs at each call).
    const request = send({ signed: { nonce: 'replay-nonce-0000000002', timestamp: now() } });
    const first = await call(app, request);
    expect(first.status).toBe(202);
    // The send records its nonce with its email (one transaction), so its transaction finds the
    // replay, not the guard: the answer must still be the guard's, exactly.
    const replay = await call(app, request);
    const readReplay = read({ signed: { nonce: 'replay-nonce-0000000003', timestamp: now() } });
    expect((await call(app, readReplay)).status).toBe(200);
    const guardAnswer = await call(app, readReplay);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ ...guardAnswer.body, instance: '/v1/emails' });
    expect(replay.headers.get('www-authenticate')).toBe(
      guardAnswer.headers.get('www-authenticate'),
    );
    expect(replay.headers.get('location')).toBeNull();
    // The original call too (signed here), form-encoded.
    const legacy = legacyForm({
      key: 'sender',
      signed: { nonce: 'replay-legacy-000000001', timestamp: now() },
    });
    expect((await call(app, legacy)).status).toBe(202);
    expect(await call(app, legacy)).toMatchObject({
      status: 401,
      body: { ...guardAnswer.body, instance: '/email' },
    });
    // Another key may use the same nonce value.
    expect(
      (await call(app, send({ key: 'admin', signed: { nonce: 'replay-nonce-0000000002' } })))
        .status,
    ).toBe(202);
    const list = await call(app, read({ key: 'admin', target: '/v1/emails?limit=200' }));
    const ids = (list.body!.items as Array<{ id: string }>).map((e) => e.id);
    expect(ids.filter((id) => id === first.body!.id)).toHaveLength(1);
  });

  it('stores one email when the same signed send arrives ten times at once', async () => {
    const subject = `raced-${Date.now()}`;
    const request = send({
      body: JSON.stringify({ ...JSON.parse(EMAIL), subject }),
      signed: { nonce: 'raced-send-000000000001', timestamp: now() },
    });
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(app, request)));
    expect(answers.map((a) => a.status).sort()).toEqual([202, ...Array(9).fill(401)]);
    const list = await call(app, read({ key: 'admin', target: '/v1/emails?limit=200' }));
    const items = list.body!.items as Array<{ id: string; subject?: string }>;
    const winner = answers.find((a) => a.status === 202)!.body!.id;
    expect(items.filter((e) => e.id === winner)).toHaveLength(1);
    expect(items.filter((e) => e.subject === subject)).toHaveLength(1);
  });

  it('says why an old or future timestamp is refused, with the server time in Date', async () => {
    const old = await call(app, read({ signed: { timestamp: now() - 600 } }));
    expect(old.status).toBe(401);
    expect(old.body!.detail).toMatch(
      /X-Mailover-Timestamp is 60\d s behind the server clock; at most 300 s/,
    );
    const serverTime = Date.parse(old.headers.get('date')!);
    expect(Math.abs(serverTime - Date.now())).toBeLessThan(5000);
    const ahead = await call(app, read({ signed: { timestamp: now() + 3600 } }));
    expect(ahead.body!.detail).toMatch(/ahead of the server clock/);
  });

  it('names the malformed header', async () => {
    const res = await call(app, read({ signed: { nonce: 'short' } }));
    expect(res.body!.detail).toMatch(/X-Mailover-Nonce/);
    expect(res.body!.detail).not.toMatch(/X-Mailover-Key/);
  });

  it('names the missing scope', async () => {
    const res = await call(app, send({ key: 'reader' }));
    expect(res.body).toMatchObject({ status: 403, requiredScope: 'send' });
  });

  describe('tenancy', () => {
    const later = () => new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = (key: KeyName, headers?: Record<string, string>) =>
      call(
        app,
        send({ key, body: JSON.stringify({ ...JSON.parse(EMAIL), sendAt: later() }), headers }),
      );
    const listed = async (key: KeyName) => {
      const res = await call(app, read({ key, target: '/v1/emails?limit=200' }));
      expect(res.status).toBe(200);
      return (res.body!.items as Array<{ id: string }>).map((e) => e.id);
    };

    it('hides an email from other tenants: 404 by id, not listed, not cancelled', async () => {
      const created = await scheduled('sender');
      expect(created.status).toBe(202);
      const id = created.body!.id as string;
      expect((await call(app, read({ key: 'outsider', target: `/v1/emails/${id}` }))).status).toBe(
        404,
      );
      const cancel = await call(app, {
        method: 'DELETE',
        target: `/v1/emails/${id}`,
        key: 'outsider',
      });
      expect(cancel.status).toBe(404);
      expect(cancel.body).toMatchObject({ type: 'https://mailover.dev/problems/not-found' });
      expect(await listed('outsider')).not.toContain(id);
      expect(await listed('teammate')).toContain(id);
      expect(await listed('admin')).toContain(id);
      const still = await call(app, read({ key: 'admin', target: `/v1/emails/${id}` }));
      expect(still.body).toMatchObject({ id, status: 'scheduled' });
    });

    it('answers a send-only key’s cancel with id and status only', async () => {
      const id = (await scheduled('sender')).body!.id as string;
      const cancel = await call(app, {
        method: 'DELETE',
        target: `/v1/emails/${id}`,
        key: 'sender',
      });
      expect(cancel.status).toBe(200);
      expect(cancel.body).toEqual({ id, status: 'cancelled' });
      // A key that may read gets the whole view.
      const other = (await scheduled('teammate')).body!.id as string;
      const full = await call(app, {
        method: 'DELETE',
        target: `/v1/emails/${other}`,
        key: 'teammate',
      });
      expect(full.body).toMatchObject({ id: other, status: 'cancelled', subject: 'Hello' });
    });

    it('keeps Idempotency-Keys per tenant', async () => {
      const headers = { 'Idempotency-Key': `tenancy-${Date.now()}` };
      const body = JSON.stringify({ ...JSON.parse(EMAIL), sendAt: later() });
      const first = await call(app, send({ key: 'sender', headers, body }));
      expect(first.status).toBe(202);
      // The same key and body from another key of the same tenant: the first answer again.
      const teammate = await call(app, send({ key: 'teammate', headers, body }));
      expect(teammate.status).toBe(202);
      expect(teammate.headers.get('idempotent-replayed')).toBe('true');
      expect(teammate.body!.id).toBe(first.body!.id);
      // Another tenant with the same key: its own email.
      const outsider = await call(app, send({ key: 'outsider', headers, body }));
      expect(outsider.status).toBe(202);
      expect(outsider.headers.get('idempotent-replayed')).toBeNull();
      expect(outsider.body!.id).not.toBe(first.body!.id);
    });

    it('stores an unsigned legacy call as its configured key’s tenant', async () => {
      const res = await call(app, legacyForm());
      expect(res.status).toBe(202);
      const id = res.body!.id as string;
      expect((await call(app, read({ key: 'teammate', target: `/v1/emails/${id}` }))).status).toBe(
        404,
      );
      expect((await call(app, read({ key: 'admin', target: `/v1/emails/${id}` }))).status).toBe(
        200,
      );
    });
  });

  it('keeps /health, /docs, /docs-json and /metrics open', async () => {
    for (const path of ['/health/live', '/health/ready', '/docs', '/docs-json', '/metrics']) {
      const res = await fetch(app.url + path);
      expect([path, res.status]).toEqual([path, 200]);
    }
  });

  it('limits a key by its own budget (429 with Retry-After and RateLimit headers) without starving others', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await call(app, read({ key: 'limited' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0].headers.get('ratelimit-limit')).toBe('3');
    expect(answers[2].headers.get('ratelimit-remaining')).toBe('0');
    const over = answers[3];
    expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(over.body).toMatchObject({
      status: 429,
      type: 'https://mailover.dev/problems/rate-limited',
    });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(over.headers.get('ratelimit-limit')).toBe('3');
    expect(over.headers.get('ratelimit-remaining')).toBe('0');
    // Another key, from the same address, is unaffected.
    expect((await call(app, read())).status).toBe(200);
  });
});

describe('the per-address limit before authentication', () => {
  const anonymous = { limit: 3, ttlMs: 60000 };
  const unsigned: Call = { method: 'GET', target: '/v1/providers' };

  it('is not reset by a spoofed X-Forwarded-For when no proxy is trusted', async () => {
    const app = await startTestApp({ auth: { keys: [KEYS.reader] }, rateLimit: { anonymous } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await call(app, { ...unsigned, forwardedFor: `203.0.113.${i}` })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
      // Signed requests have the key's own budget, so the address limit does not lock them out.
      expect((await call(app, read())).status).toBe(200);
      // Health stays open and unlimited.
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('follows X-Forwarded-For from a trusted proxy', async () => {
    const app = await startTestApp({
      server: { trustedProxies: ['127.0.0.1'] },
      auth: { keys: [KEYS.reader] },
      rateLimit: { anonymous },
    });
    try {
      const from = (ip: string) => call(app, { ...unsigned, forwardedFor: ip });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await from('203.0.113.7')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect((await from('203.0.113.8')).status).toBe(401);
    } finally {
      await app.close();
    }
  });
});

describe('with Redis for the nonces and the limits (two replicas)', () => {
  const suffix = `${process.pid}-${Date.now()}`;
  const key = {
    id: `sec-redis-${suffix}`,
    secret: 'redis-secret-0123456789abcdef01',
    scopes: ['read'],
  };
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const overlay = {
      auth: { keys: [key] },
      rateLimit: {
        storage: 'redis',
        redisUrl: 'redis://127.0.0.1:6379',
        default: { limit: 4, ttlMs: 60000 },
        anonymous: { limit: 10000, ttlMs: 60000 },
      },
    };
    a = await startTestApp(overlay);
    b = await startTestApp(overlay);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('refuses on one replica a nonce already used on the other', async () => {
    const request = read({ key, signed: { nonce: `cross-replica-${suffix}` } });
    expect((await call(a, request)).status).toBe(200);
    const replay = await call(b, request);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ type: 'https://mailover.dev/problems/unauthenticated' });
  });

  it('shares one budget per key across replicas', async () => {
    // Two requests were spent above: the first, and its replay (it is signed by the key, and the
    // budget is taken before the nonce is checked). Two more fit, the fifth is over.
    const statuses: number[] = [];
    for (const app of [a, b, a, b]) statuses.push((await call(app, read({ key }))).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});

describe('with Redis unreachable', () => {
  it('refuses signed requests with 503 and Retry-After, never lets them through', async () => {
    const app = await startTestApp({
      auth: { keys: [KEYS.reader] },
      rateLimit: { storage: 'redis', redisUrl: 'redis://127.0.0.1:1' },
    });
    try {
      const res = await call(app, read());
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({ status: 503 });
      // The problem names the request id, as the header does, so the log line can be found.
      expect(res.body!.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-request-id')).toBe(res.body!.requestId);
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

/** Writes `chunks` on a raw socket (the first at once, then one per `everyMs`); answers what came back once the server closed it. */
function rawExchange(
  url: string,
  chunks: string[],
  everyMs = 0,
): Promise<{ text: string; chunksWritten: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    let written = 0;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      if (written >= chunks.length || socket.destroyed) return;
      socket.write(chunks[written++]);
      if (everyMs) timer = setTimeout(next, everyMs);
    };
    socket.on('connect', () => {
      if (everyMs) next();
      else while (written < chunks.length) next();
    });
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNRESET' ? undefined : reject(e),
    );
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, chunksWritten: written });
    });
  });
}

describe('denial of service: bodies, parsers and slow clients', () => {
  let app: TestApp;
  const key = KEYS.sender;
  // 20,000 repeated fields: once parsed with a copy per field, it froze the event loop for seconds.
  const bigForm = 'a=&'.repeat(20_000);

  beforeAll(async () => {
    app = await startTestApp({
      server: {
        bodyLimitBytes: 6 * 1024 * 1024,
        requestTimeoutMs: 2000,
        headersTimeoutMs: 1000,
        keepAliveTimeoutMs: 200,
      },
      auth: { keys: [key] },
    });
  });

  afterAll(() => app.close());

  it('answers a body sent to an open route without reading it', async () => {
    // Content-Length promises 120,000 bytes and only 6 come: a server that read the body would wait
    // for the rest, then cut the request off with 408.
    const head =
      'POST /health/live HTTP/1.1\r\nHost: x\r\n' +
      'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 120000\r\n\r\n';
    const { text } = await rawExchange(app.url, [head + 'a=&a=&']);
    expect(text).toMatch(/^HTTP\/1\.1 405 /);
    expect(text).toMatch(/\r\nallow: GET, HEAD\r\n/i);
    expect(text).toMatch(/application\/problem\+json/);
  });

  it.each(['/health/live', '/health/ready', '/metrics', '/docs', '/docs-json'])(
    'refuses a 20,000-field form on %s with 405, and the route still answers',
    async (path) => {
      const res = await fetch(app.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: bigForm,
      });
      expect(res.status).toBe(405);
      expect(await res.json()).toMatchObject({ status: 405, instance: path });
      expect((await fetch(app.url + path)).status).toBe(200);
    },
  );

  it('refuses a signed form of more than 1,000 fields with a 400 that says so', async () => {
    const res = await call(app, {
      method: 'POST',
      target: '/email',
      body: bigForm,
      contentType: 'application/x-www-form-urlencoded',
      key,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      errors: [{ field: '', detail: 'a form must have at most 1000 fields' }],
    });
  });

  it('refuses signed JSON nested deeper than 64 levels with a 400 that says so', async () => {
    const res = await call(app, { ...send({ key }), body: '['.repeat(65) + ']'.repeat(65) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      errors: [{ field: '', detail: 'JSON must nest at most 64 levels deep' }],
    });
    // 64 levels parse (and fail validation as an array, not as too deep).
    const ok = await call(app, { ...send({ key }), body: '['.repeat(64) + ']'.repeat(64) });
    expect(ok.status).toBe(400);
    expect(JSON.stringify(ok.body)).not.toMatch(/levels deep/);
  });

  it('cuts off a client that trickles its body (server.requestTimeoutMs): 408, connection closed', async () => {
    const body = EMAIL;
    const headers = signRequest({
      keyId: key.id,
      secret: key.secret,
      method: 'POST',
      target: '/v1/emails',
      body,
    });
    const head =
      'POST /v1/emails HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${body.length}\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n';
    // One byte every 100 ms: the whole body would take several seconds.
    const { text, chunksWritten } = await rawExchange(app.url, [head, ...body], 100);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(chunksWritten).toBeLessThan(body.length + 1);
  });

  it('does not cut off a slow answer once the request has arrived (Prefer: wait past the timeout)', async () => {
    const held = withEmail({ sendAt: new Date(Date.now() + 3_600_000).toISOString() });
    // requestTimeoutMs is 2 s here: the server takes 3 s to answer, the request arrived at once.
    const res = await call(app, send({ key, body: held, headers: { Prefer: 'wait=3' } }));
    expect([res.status, res.headers.get('preference-applied')]).toEqual([202, 'wait=3']);
  });

  it('cuts off a client that trickles its headers', async () => {
    const head = 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
    const { text, chunksWritten } = await rawExchange(app.url, [...head], 50);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(chunksWritten).toBeLessThan(head.length);
  });

  it('closes an idle keep-alive connection', async () => {
    const { text } = await rawExchange(app.url, ['GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n']);
    // rawExchange resolves once the server closed the connection (with Fastify's default of 72 s,
    // the test would time out).
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('states the limit in a 413', async () => {
    const res = await call(
      app,
      send({ key, body: JSON.stringify({ text: 'x'.repeat(7 * 1024 * 1024) }) }),
    );
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ limitBytes: 6291456 });
    expect(res.body!.detail).toMatch(/6291456 bytes/);
  });

  it('answers a million bad recipients with a small problem document', async () => {
    const body = JSON.stringify({ ...JSON.parse(EMAIL), to: new Array(1_000_000).fill(1) });
    const res = await call(app, send({ key, body }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body).length).toBeLessThan(2000);
    expect(res.body!.errors).toEqual([
      { field: 'to', detail: 'must have at most 50 recipients (has 1000000)' },
    ]);
  });

  it('answers fifty bad recipients with five of them and a count', async () => {
    const body = JSON.stringify({ ...JSON.parse(EMAIL), to: new Array(50).fill(1) });
    const res = await call(app, send({ key, body }));
    expect(res.status).toBe(400);
    expect(res.body!.errors).toHaveLength(6);
    expect(res.body!.errors).toContainEqual({
      field: 'to',
      detail: 'and 45 more problems in this list',
    });
  });

  it.each([1, 3 * 1024 * 1024, 3.5 * 1024 * 1024, 4 * 1024 * 1024])(
    'accepts an attachment of %i bytes',
    async (size) => {
      const content = Buffer.alloc(size, 'mailover').toString('base64');
      const body = withEmail({ attachments: [{ filename: 'big.bin', content }] });
      const res = await call(app, send({ key, body }));
      expect([res.status, res.body]).toEqual([202, expect.objectContaining({ status: 'queued' })]);
    },
  );

  it('names every bad field in one answer: recipients, providers and sendAt', async () => {
    const res = await call(
      app,
      send({
        key,
        body: withEmail({ to: 'nope', providers: ['nowhere'], sendAt: '2099-01-01T00:00:00Z' }),
      }),
    );
    expect(res.status).toBe(400);
    expect((res.body!.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
      'providers',
      'sendAt',
      'to',
    ]);
  });

  it("accepts the README's send example as shown", async () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const example = /A send request:\s+```json\n([\s\S]*?)\n```/.exec(readme)![1];
    const res = await call(app, send({ key, body: example }));
    expect([res.status, res.body]).toEqual([202, expect.objectContaining({ status: 'queued' })]);
  });

  it('keeps the original POST /email working, form and JSON', async () => {
    const fields = {
      to: 'ann@example.com',
      to_name: 'Ann',
      from: 'ops@acme.test',
      from_name: 'Acme',
      subject: 'Hi',
      body: '<p>Hi</p>',
    };
    const form = await call(app, {
      method: 'POST',
      target: '/email',
      body: new URLSearchParams(fields).toString(),
      contentType: 'application/x-www-form-urlencoded',
      key,
    });
    expect(form.status).toBe(202);
    const json = await call(app, {
      method: 'POST',
      target: '/email',
      body: JSON.stringify(fields),
      key,
    });
    expect(json.status).toBe(202);
  });
});

describe('the replay cache', () => {
  const key = { id: 'rc-flood', secret: 'flood-secret-0123456789abcdef01', scopes: ['read'] };

  it('records no nonce for a request refused 429', async () => {
    const app = await startTestApp({
      auth: { keys: [key] },
      rateLimit: { perKey: { [key.id]: { limit: 2, ttlMs: 60000 } } },
    });
    try {
      expect((await call(app, read({ key }))).status).toBe(200);
      expect((await call(app, read({ key }))).status).toBe(200);
      const nonces: string[] = [];
      for (let i = 0; i < 20; i++) {
        const nonce = `over-budget-${i}-0000000000`;
        nonces.push(nonce);
        expect((await call(app, read({ key, signed: { nonce } }))).status).toBe(429);
      }
      // None of them took a place in the replay cache: each is still new to it.
      const cache = app.app.get<NonceStore>(NonceStore);
      for (const nonce of nonces)
        expect(await cache.claim(key.id, nonce, Date.now() + 60_000)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('refuses a request replayed after a restart on the same SQLite file', async () => {
    const overlay = { auth: { keys: [key] } };
    const first = await startTestApp(overlay);
    const request = read({ key, signed: { nonce: 'before-the-restart-0001', timestamp: now() } });
    let replay: Answer;
    try {
      expect((await call(first, request)).status).toBe(200);
    } finally {
      await first.close();
    }
    const second = await startTestApp(overlay, first.dataDir);
    try {
      replay = await call(second, request);
      expect(replay.status).toBe(401);
      expect(replay.body).toMatchObject({ type: 'https://mailover.dev/problems/unauthenticated' });
      // A fresh request still works.
      expect((await call(second, read({ key }))).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('refuses a request replayed to a second instance on the same PostgreSQL', async () => {
    const schema = await createTempSchema('replay');
    const sender = { id: 'rc-sender', secret: 'sender-secret-0123456789abcdef0', scopes: ['send'] };
    const overlay = {
      auth: { keys: [key, sender] },
      store: { driver: 'postgres', postgresUrl: schema.url },
    };
    const a = await startTestApp(overlay);
    const b = await startTestApp(overlay);
    try {
      const request = read({ key, signed: { nonce: 'across-instances-00001', timestamp: now() } });
      expect((await call(a, request)).status).toBe(200);
      expect((await call(b, request)).status).toBe(401);
      expect((await call(a, request)).status).toBe(401);
      // A send records its nonce with its email: the other instance's transaction refuses it.
      const sending = send({
        key: sender,
        signed: { nonce: 'across-instances-send-1', timestamp: now() },
      });
      expect((await call(a, sending)).status).toBe(202);
      expect((await call(b, sending)).status).toBe(401);
    } finally {
      await a.close();
      await b.close();
      await schema.drop();
    }
  });
});

describe('Prefer: wait', () => {
  it('holds at most limits.maxWaitsPerKey requests per key; beyond, answers at once', async () => {
    const other = { id: 'wait-other', secret: 'wait-other-secret-0123456789ab', scopes: ['send'] };
    const app = await startTestApp({
      auth: { keys: [KEYS.admin, other] },
      limits: { maxWaitsPerKey: 2 },
    });
    try {
      const later = new Date(Date.now() + 86_400_000).toISOString();
      const scheduled = JSON.stringify({ ...JSON.parse(EMAIL), sendAt: later });
      const wait = { Prefer: 'wait=30' };
      const held = [1, 2].map(() =>
        call(app, send({ key: 'admin', body: scheduled, headers: wait })),
      );
      const pending = await eventually(async () => {
        const list = await call(app, read({ key: 'admin', target: '/v1/emails?status=scheduled' }));
        const items = list.body!.items as Array<{ id: string }>;
        return items.length === 2 ? items : undefined;
      });
      // The key's two slots are taken: a third waits for nothing.
      const third = await call(app, send({ key: 'admin', body: scheduled, headers: wait }));
      expect(third.status).toBe(202);
      expect(third.headers.get('preference-applied')).toBeNull();
      expect(third.body).toMatchObject({ status: 'scheduled' });
      // Another key has its own slots.
      const others = call(app, send({ key: other, body: scheduled, headers: wait }));
      // Cancelling ends the held requests (final), which frees the slots.
      for (const { id } of pending) {
        const res = await call(app, { method: 'DELETE', target: `/v1/emails/${id}`, key: 'admin' });
        expect(res.status).toBe(200);
      }
      for (const answer of await Promise.all(held)) {
        expect(answer.status).toBe(200);
        expect(answer.headers.get('preference-applied')).toBe('wait=30');
        expect(answer.body).toMatchObject({ status: 'cancelled' });
      }
      const otherId = await eventually(async () => {
        const list = await call(app, read({ key: 'admin', target: '/v1/emails?status=scheduled' }));
        const items = list.body!.items as Array<{ id: string }>;
        return items.find((e) => e.id !== third.body!.id)?.id;
      });
      await call(app, { method: 'DELETE', target: `/v1/emails/${otherId}`, key: 'admin' });
      expect((await others).headers.get('preference-applied')).toBe('wait=30');
      const freed = call(
        app,
        send({ key: 'admin', body: scheduled, headers: { Prefer: 'wait=1' } }),
      );
      expect((await freed).headers.get('preference-applied')).toBe('wait=1');
    } finally {
      await app.close();
    }
  });
});

describe('key ids that are Object property names', () => {
  it('authenticates and rate-limits keys named __proto__ and constructor', async () => {
    const proto = { id: '__proto__', secret: 'proto-secret-0123456789abcdef012', scopes: ['read'] };
    const ctor = {
      id: 'constructor',
      secret: 'ctor-secret-0123456789abcdef0123',
      scopes: ['read'],
    };
    // JSON.parse makes `__proto__` an own key, as YAML does.
    const perKey = JSON.parse(
      '{"__proto__": {"limit": 2, "ttlMs": 60000}, "constructor": {"limit": 2, "ttlMs": 60000}}',
    ) as Record<string, unknown>;
    const app = await startTestApp({ auth: { keys: [proto, ctor] }, rateLimit: { perKey } });
    try {
      for (const key of [proto, ctor]) {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await call(app, read({ key }))).status);
        expect([key.id, statuses]).toEqual([key.id, [200, 200, 429]]);
      }
    } finally {
      await app.close();
    }
  });
});

describe('the original call without signing, from a network not allowed', () => {
  it('answers 401 to unsigned POST /email when 127.0.0.1 is outside auth.legacyUnsigned.allowFrom', async () => {
    const app = await startTestApp({
      auth: {
        keys: [KEYS.legacy, KEYS.sender],
        legacyUnsigned: { allowFrom: ['10.0.0.0/8', 'fd00::/8'], key: KEYS.legacy.id },
      },
    });
    try {
      expect((await call(app, legacyForm())).status).toBe(401);
      expect((await call(app, legacyForm({ key: 'sender' }))).status).toBe(202);
    } finally {
      await app.close();
    }
  });

  it('gives unsigned calls the configured key’s rate limit', async () => {
    const app = await startTestApp({
      auth: {
        keys: [KEYS.legacy],
        legacyUnsigned: { allowFrom: ['127.0.0.1', '::1'], key: KEYS.legacy.id },
      },
      rateLimit: { perKey: { [KEYS.legacy.id]: { limit: 2, ttlMs: 60000 } } },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(app, legacyForm())).status);
      expect(statuses).toEqual([202, 202, 429]);
    } finally {
      await app.close();
    }
  });
});

describe('provider credentials in error text', () => {
  const apiKey = 'key-e2e/secret+0123456789=abcdef';
  let provider: Server;
  let app: TestApp;

  beforeAll(async () => {
    // A provider whose error answer quotes our request: the Authorization header and the key.
    provider = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            message: `upstream refused ${String(req.headers.authorization)}; key=${apiKey}; url=/x?key=${encodeURIComponent(apiKey)}; alone=${Buffer.from(apiKey).toString('base64')}`,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const { port } = provider.address() as AddressInfo;
    app = await startTestApp({
      dispatch: FAST_DISPATCH,
      providers: [
        {
          id: 'echoing',
          type: 'mailgun',
          baseUrl: `http://127.0.0.1:${port}`,
          apiKey,
          domain: 'mg.acme.test',
          timeoutMs: 2000,
        },
      ],
    });
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => provider.close(resolve));
  });

  const forms = [
    apiKey,
    Buffer.from(`api:${apiKey}`).toString('base64'),
    Buffer.from(apiKey).toString('base64'),
    encodeURIComponent(apiKey),
  ];

  it('are redacted in every encoding before attempts are stored, and health shows states only', async () => {
    const sent = await app.request('POST', '/v1/emails', JSON.parse(EMAIL));
    expect(sent.status).toBe(202);
    const email = await eventually(async () => {
      const res = await app.request('GET', `/v1/emails/${sent.json.id}`);
      return res.json.attempts.length > 0 ? res : undefined;
    });
    expect(email.json.attempts[0].error).toMatch(
      /upstream refused Basic \[redacted\]; key=\[redacted\]/,
    );
    const health = await fetch(`${app.url}/health/providers`);
    const healthText = await health.text();
    expect(JSON.parse(healthText).providers[0]).toMatchObject({
      id: 'echoing',
      lastError: { kind: 'retryable', at: expect.any(String) },
    });
    expect(healthText).not.toMatch(/upstream|message/);
    const providers = await app.request('GET', '/v1/providers');
    for (const text of [email.text, healthText, providers.text]) {
      for (const form of forms) expect(text).not.toContain(form);
    }
  });
});

describe('request ids and the /docs headers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({});
  });
  afterAll(() => app.close());

  it('names a request id of ours on every answer (the 5xx problem body: see Redis unreachable)', async () => {
    const answers = [
      await fetch(`${app.url}/health/live`),
      await fetch(`${app.url}/v1/emails`, { headers: { 'x-request-id': 'client-chosen' } }),
      await fetch(`${app.url}/v1/emails`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
      }),
      await app.request('GET', '/v1/providers'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 401, 200]);
    const ids = answers.map((a) => a.headers.get('x-request-id'));
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sends a CSP that allows exactly the page’s own scripts, frame denial and nosniff on /docs', async () => {
    const res = await fetch(`${app.url}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
    expect(inline.length).toBeGreaterThan(0);
    for (const [, code] of inline)
      expect(csp).toContain(`'sha256-${createHash('sha256').update(code).digest('base64')}'`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const json = await fetch(`${app.url}/docs-json`);
    expect(json.headers.get('x-frame-options')).toBe('DENY');
    expect(json.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('files Mailover creates', () => {
  it('are private to its user (0700 directories, 0600 files) even with umask 000', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'mailover-modes-')), 'data');
    const server = await spawnServer(
      { NODE_ENV: 'development', MAILOVER_DATA_DIR: dataDir },
      undefined,
      {
        umask: 0o000,
      },
    );
    try {
      await whenLive(server);
      const printed = server.stdout();
      const key = {
        id: /key id:\s+(\S+)/.exec(printed)![1],
        secret: /secret:\s+(\S+)/.exec(printed)![1],
      };
      const sent = await signedRequest(
        server.url,
        'POST',
        '/v1/emails',
        JSON.parse(EMAIL),
        {},
        key,
      );
      expect(sent.status).toBe(202);
      const eml = join(dataDir, 'outbox', `${sent.json.id}.eml`);
      await eventually(async () => existsSync(eml));
      const modes = Object.fromEntries(
        [
          dataDir,
          join(dataDir, 'api-key.json'),
          join(dataDir, 'mailover.db'),
          join(dataDir, 'mailover.db-wal'),
          join(dataDir, 'mailover.db-shm'),
          join(dataDir, 'outbox'),
          eml,
        ].map((path) => [
          path.slice(dataDir.length) || '/',
          (statSync(path).mode & 0o777).toString(8),
        ]),
      );
      expect(modes).toEqual({
        '/': '700',
        '/api-key.json': '600',
        '/mailover.db': '600',
        '/mailover.db-wal': '600',
        '/mailover.db-shm': '600',
        '/outbox': '700',
        [`/outbox/${sent.json.id}.eml`]: '600',
      });
    } finally {
      await server.stop();
    }
  });

  it('in production, a key secret shorter than 32 characters stops the start, naming the key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailover-short-'));
    const config = join(dataDir, 'config.yaml');
    writeFileSync(config, 'auth:\n  keys: [{ id: payments-app, secret: "${SHORT_SECRET}" }]\n');
    const server = await spawnServer({
      NODE_ENV: 'production',
      MAILOVER_DATA_DIR: dataDir,
      MAILOVER_CONFIG: config,
      SHORT_SECRET: 'twenty-characters-ok',
    });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(
      /auth\.keys\[0\]\.secret: the secret of key "payments-app" is shorter than 32/,
    );
    expect(server.output()).not.toContain('twenty-characters-ok');
  });
});
