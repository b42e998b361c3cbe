import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { newId } from '../../src/domain/id';
import { KyselyEventStore } from '../../src/store/kysely-event.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import { join } from 'node:path';
import { MailgunFake } from '../fakes/mailgun.fake';
import {
  eventually,
  signedRequest,
  startTestApp,
  statusOf,
  TEST_KEY,
  type TestApp,
} from '../support/test-app';
import {
  basicAuth,
  mailgunSigned,
  mandrillSigned,
  resendSigned,
  sendgridKeys,
  sendgridSigned,
  snsCertificate,
  snsSigned,
  tampered,
  type SignedWebhook,
} from '../support/webhook-signing';

const MAILGUN_KEY = 'key-mailgun-webhook-signing-0123456789';
const SENDGRID = sendgridKeys();
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:mailover-events';
const POSTMARK = { username: 'postmark-hook', password: 'pm-password-0123456789' };
const MANDRILL = {
  key: 'mandrill-webhook-key-0123',
  url: 'https://mailover.example.com/v1/webhooks/md',
};
const SPARKPOST_TOKEN = 'sparkpost-bearer-0123456789';
const RESEND_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const STALE = Date.now() - 3 * 3600_000;
const TENANT = { id: 'acme-key', secret: 'acme-secret-0123456789abcdef0123456789' };

/**
 * Every provider's signed sample events (shapes from docs/providers/webhooks.md) land on the
 * right email with the right type; per scheme a changed byte and a stale timestamp answer 401
 * and store nothing, and a replay is stored once. SNS is verified against a local certificate
 * server. A hard bounce keeps the next email to that address away from every provider.
 */
describe('provider webhooks', () => {
  let app: TestApp;
  let certServer: Server;
  let certBase = '';
  const sns = snsCertificate();
  const confirmations: string[] = [];
  const mailgun = new MailgunFake({ apiKey: 'mg-api-key', domain: 'mg.example.com' });

  beforeAll(async () => {
    certServer = createServer((req, res) => {
      if (req.url === '/SimpleNotificationService-test.pem') {
        res.end(sns.certificatePem);
      } else if (req.url?.startsWith('/confirm')) {
        confirmations.push(req.url);
        res.end('<ConfirmSubscriptionResponse/>');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => certServer.listen(0, '127.0.0.1', r));
    certBase = `http://127.0.0.1:${(certServer.address() as AddressInfo).port}`;
    await mailgun.start();
    const disabled = { enabled: false, baseUrl: 'http://127.0.0.1:9' };
    app = await startTestApp({
      logging: { level: 'silent' },
      auth: {
        keys: [
          { id: TEST_KEY.id, secret: TEST_KEY.secret, scopes: ['send', 'read', 'admin'] },
          { id: TENANT.id, secret: TENANT.secret, scopes: ['send', 'read'], tenant: 'acme' },
        ],
      },
      providers: [
        { id: 'sandbox', type: 'sandbox', priority: 0 },
        {
          id: 'mg',
          type: 'mailgun',
          ...disabled,
          apiKey: 'k',
          domain: 'mg.example.com',
          webhook: { signingKey: MAILGUN_KEY },
        },
        {
          id: 'sg',
          type: 'sendgrid',
          ...disabled,
          apiKey: 'k',
          webhook: { publicKey: SENDGRID.publicKey },
        },
        {
          id: 'ses',
          type: 'ses',
          enabled: false,
          region: 'us-east-1',
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'secret',
          endpoint: 'http://127.0.0.1:9',
          webhook: {
            topicArns: [TOPIC],
            snsUrlPattern: `^${certBase.replace(/\./g, '\\.')}/`,
          },
        },
        { id: 'pm', type: 'postmark', ...disabled, serverToken: 't', webhook: POSTMARK },
        { id: 'md', type: 'mandrill', ...disabled, apiKey: 'k', webhook: MANDRILL },
        {
          id: 'sp',
          type: 'sparkpost',
          ...disabled,
          apiKey: 'k',
          webhook: { bearerToken: SPARKPOST_TOKEN },
        },
        { id: 'rs', type: 'resend', ...disabled, apiKey: 'k', webhook: { secret: RESEND_SECRET } },
        {
          id: 'mgsend',
          type: 'mailgun',
          priority: 5,
          baseUrl: mailgun.url,
          apiKey: 'mg-api-key',
          domain: 'mg.example.com',
          webhook: { signingKey: MAILGUN_KEY },
        },
        { id: 'plain', type: 'mailgun', ...disabled, apiKey: 'k', domain: 'mg.example.com' },
      ],
    });
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((r) => certServer?.close(r));
    await mailgun.stop();
  });

  function post(providerId: string, w: SignedWebhook) {
    return fetch(`${app.url}/v1/webhooks/${providerId}`, {
      method: 'POST',
      headers: w.headers,
      body: w.body,
    });
  }

  async function sent(to: string): Promise<string> {
    const res = await app.request('POST', '/v1/emails', {
      from: 'shop@example.com',
      to: [to],
      subject: 'Your order',
      text: 'Thanks',
    });
    expect(res.status).toBe(202);
    await statusOf(app, res.json.id, ['sent']);
    return res.json.id as string;
  }

  async function eventsOf(emailId: string, count: number): Promise<Array<Record<string, unknown>>> {
    return eventually(
      async () => {
        const res = await app.request('GET', `/v1/emails/${emailId}`);
        const events = (res.json?.events ?? []) as Array<Record<string, unknown>>;
        return events.length >= count ? events : undefined;
      },
      5000,
      `${count} events on ${emailId}`,
    );
  }

  async function providerEvents(providerId: string): Promise<Array<Record<string, unknown>>> {
    const res = await app.request('GET', `/v1/events?providerId=${providerId}&limit=200`);
    expect(res.status).toBe(200);
    return res.json.items;
  }

  /**
   * The scheme's contract: valid -> 200 and the event on the email; tampered (and stale, when the
   * scheme has a timestamp) -> 401 and nothing stored; the same delivery again -> stored once.
   */
  async function checkScheme(
    providerId: string,
    make: (emailId: string, to: string) => SignedWebhook,
    broken: (emailId: string, to: string) => SignedWebhook[],
    expected: Record<string, unknown>,
  ) {
    const to = `${providerId}-${randomBytes(3).toString('hex')}@example.com`;
    const emailId = await sent(to);
    for (const bad of broken(emailId, to)) {
      const res = await post(providerId, bad);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const valid = make(emailId, to);
    const first = await post(providerId, valid);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const replay = await post(providerId, valid);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ received: true, duplicate: true });
    const events = await eventsOf(emailId, 1);
    // Only the valid delivery's event: the refused ones and the replay stored nothing.
    expect(events).toEqual([
      expect.objectContaining({ emailId, recipient: to, providerId, ...expected }),
    ]);
    expect((await providerEvents(providerId)).filter((e) => e.emailId === emailId)).toHaveLength(1);
    return { emailId, to };
  }

  it('Mailgun: HMAC of timestamp and token, single-use token, 15 minutes', async () => {
    const data = (emailId: string, to: string) => ({
      id: `mg-${randomBytes(4).toString('hex')}`,
      event: 'failed',
      severity: 'permanent',
      reason: 'bounce',
      timestamp: Date.now() / 1000,
      recipient: to,
      message: { headers: { 'message-id': 'unknown@mg.example.com' } },
      'user-variables': { mailover_id: emailId },
      'delivery-status': { code: 550, message: '5.1.1 no such user', description: 'No such user' },
    });
    await checkScheme(
      'mg',
      (id, to) => mailgunSigned(MAILGUN_KEY, data(id, to)),
      (id, to) => {
        const good = mailgunSigned(MAILGUN_KEY, data(id, to));
        const sig = JSON.parse(good.body).signature.signature as string;
        const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
        return [
          { ...good, body: good.body.replace(sig, flipped) },
          mailgunSigned(MAILGUN_KEY, data(id, to), STALE),
          mailgunSigned('another-key', data(id, to)),
        ];
      },
      { type: 'bounced', bounce: 'hard', reason: 'No such user' },
    );
  });

  it('SendGrid: ECDSA P-256 over timestamp and raw body, a batch of every event kind', async () => {
    const to = `sg-${randomBytes(3).toString('hex')}@example.com`;
    const emailId = await sent(to);
    const base = (event: string, extra: Record<string, unknown> = {}) => ({
      email: to,
      timestamp: Math.floor(Date.now() / 1000),
      event,
      sg_event_id: `sg-${event}-${randomBytes(4).toString('hex')}`,
      sg_message_id: `unknownid.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0`,
      mailover_id: emailId,
      ...extra,
    });
    const batch = [
      base('processed'),
      base('deferred', { response: '400 try again later', attempt: '1' }),
      base('delivered', { response: '250 OK' }),
      base('open', { useragent: 'Mozilla/5.0', ip: '255.255.255.255' }),
      base('click', { url: 'https://example.com/a', useragent: 'Mozilla/5.0' }),
      base('bounce', { type: 'blocked', reason: '550 blocked' }),
      base('dropped', { reason: 'Bounced Address' }),
      base('spamreport'),
      base('unsubscribe'),
    ];
    const signed = sendgridSigned(SENDGRID.privateKey, batch);
    expect((await post('sg', tampered(signed))).status).toBe(401);
    expect((await post('sg', sendgridSigned(SENDGRID.privateKey, batch, STALE))).status).toBe(401);
    expect((await post('sg', signed)).status).toBe(200);
    // SendGrid's retry of the batch is signed again: a new timestamp, the same events.
    const retry = await post('sg', sendgridSigned(SENDGRID.privateKey, batch, Date.now() + 1000));
    expect(retry.status).toBe(200);
    const events = await eventsOf(emailId, batch.length);
    expect(events.map((e) => [e.type, e.bounce])).toEqual([
      ['queued', undefined],
      ['deferred', undefined],
      ['delivered', undefined],
      ['opened', undefined],
      ['clicked', undefined],
      ['bounced', 'soft'],
      ['rejected', undefined],
      ['complained', undefined],
      ['unsubscribed', undefined],
    ]);
    expect(events.find((e) => e.type === 'clicked')).toMatchObject({
      url: 'https://example.com/a',
      userAgent: 'Mozilla/5.0',
    });
    expect(await providerEvents('sg')).toHaveLength(batch.length);
  });

  it('SES: SNS signatures v1 and v2 with the fetched certificate, listed topics only, subscription confirmed', async () => {
    const to = `ses-${randomBytes(3).toString('hex')}@example.com`;
    const emailId = await sent(to);
    const notification = (eventType: string, extra: Record<string, unknown>) => ({
      Type: 'Notification',
      MessageId: `sns-${randomBytes(6).toString('hex')}`,
      TopicArn: TOPIC,
      Subject: 'Amazon SES Email Event Notification',
      Message: JSON.stringify({
        eventType,
        mail: {
          timestamp: new Date().toISOString(),
          messageId: '010001-unknown',
          destination: [to],
          tags: { mailover_id: [emailId] },
        },
        ...extra,
      }),
      Timestamp: new Date().toISOString(),
      SigningCertURL: `${certBase}/SimpleNotificationService-test.pem`,
      UnsubscribeURL: `${certBase}/unsubscribe`,
    });
    const delivery = notification('Delivery', {
      delivery: { timestamp: new Date().toISOString(), recipients: [to], smtpResponse: '250 ok' },
    });
    const bounce = notification('Bounce', {
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: to }],
        timestamp: new Date().toISOString(),
      },
    });
    const v1 = snsSigned(sns.privateKeyPem, delivery, '1');
    const v2 = snsSigned(sns.privateKeyPem, bounce, '2');
    const refused = [
      tampered(v2),
      snsSigned(sns.privateKeyPem, { ...bounce, Timestamp: new Date(STALE).toISOString() }),
      snsSigned(sns.privateKeyPem, { ...bounce, TopicArn: `${TOPIC}-other` }),
      snsSigned(sns.privateKeyPem, {
        ...bounce,
        SigningCertURL: 'https://evil.example.com/SimpleNotificationService-test.pem',
      }),
    ];
    for (const bad of refused) expect((await post('ses', bad)).status).toBe(401);
    expect((await post('ses', v1)).status).toBe(200);
    expect((await post('ses', v2)).status).toBe(200);
    expect((await post('ses', v2)).status).toBe(200);
    const events = await eventsOf(emailId, 2);
    expect(events.map((e) => [e.type, e.bounce])).toEqual([
      ['delivered', undefined],
      ['bounced', 'hard'],
    ]);
    expect(await providerEvents('ses')).toHaveLength(2);

    const confirmation = (url: string) =>
      snsSigned(sns.privateKeyPem, {
        Type: 'SubscriptionConfirmation',
        MessageId: `sns-${randomBytes(6).toString('hex')}`,
        Token: 'token-123',
        TopicArn: TOPIC,
        Message: 'You have chosen to subscribe to the topic.',
        SubscribeURL: url,
        Timestamp: new Date().toISOString(),
        SigningCertURL: `${certBase}/SimpleNotificationService-test.pem`,
      });
    expect((await post('ses', confirmation('https://elsewhere.example.com/confirm'))).status).toBe(
      401,
    );
    expect(confirmations).toEqual([]);
    expect((await post('ses', confirmation(`${certBase}/confirm?Token=token-123`))).status).toBe(
      200,
    );
    expect(confirmations).toEqual(['/confirm?Token=token-123']);
  });

  it('Postmark: HTTP Basic; a retried body is stored once', async () => {
    const payload = (emailId: string, to: string) => ({
      RecordType: 'Bounce',
      ID: 4323372036854775807,
      Type: 'HardBounce',
      TypeCode: 1,
      MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
      Description:
        'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
      Email: to,
      BouncedAt: new Date().toISOString(),
      Inactive: true,
      Metadata: { mailover_id: emailId },
    });
    const signed = (body: unknown, auth = basicAuth(POSTMARK.username, POSTMARK.password)) => ({
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify(body),
    });
    await checkScheme(
      'pm',
      (id, to) => signed(payload(id, to)),
      (id, to) => [
        signed(payload(id, to), basicAuth(POSTMARK.username, `${POSTMARK.password}x`)),
        { headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload(id, to)) },
      ],
      { type: 'bounced', bounce: 'hard' },
    );
  });

  it('Mandrill: HMAC-SHA1 over the registered URL and sorted fields; HEAD and GET answer 200', async () => {
    const events = (emailId: string, to: string) => [
      {
        event: 'hard_bounce',
        _id: 'unknown-mandrill-id',
        ts: Math.floor(Date.now() / 1000),
        msg: {
          _id: 'unknown-mandrill-id',
          email: to,
          state: 'bounced',
          bounce_description: 'bad_mailbox',
          diag: 'smtp;550 5.1.1 unknown',
          metadata: { mailover_id: emailId },
        },
      },
    ];
    await checkScheme(
      'md',
      (id, to) => mandrillSigned(MANDRILL.key, MANDRILL.url, events(id, to)),
      (id, to) => [
        tampered(mandrillSigned(MANDRILL.key, MANDRILL.url, events(id, to))),
        mandrillSigned(MANDRILL.key, 'https://other.example.com/v1/webhooks/md', events(id, to)),
      ],
      { type: 'bounced', bounce: 'hard', reason: 'bad_mailbox' },
    );
    for (const method of ['HEAD', 'GET']) {
      expect((await fetch(`${app.url}/v1/webhooks/md`, { method })).status).toBe(200);
    }
  });

  it('SparkPost: Bearer token; a ping is answered; a retried batch is stored once', async () => {
    const batch = (emailId: string, to: string) => [
      {
        msys: {
          message_event: {
            type: 'bounce',
            bounce_class: '10',
            event_id: `sp-${randomBytes(6).toString('hex')}`,
            transmission_id: '00000000000000000',
            rcpt_to: to,
            rcpt_meta: { mailover_id: emailId },
            raw_reason: '550 5.1.1 <x>: Recipient address rejected: User unknown',
            timestamp: String(Math.floor(Date.now() / 1000)),
          },
        },
      },
    ];
    const signed = (body: unknown, token = SPARKPOST_TOKEN) => ({
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-messagesystems-batch-id': `batch-${randomBytes(4).toString('hex')}`,
      },
      body: JSON.stringify(body),
    });
    await checkScheme(
      'sp',
      (id, to) => signed(batch(id, to)),
      (id, to) => [signed(batch(id, to), `${SPARKPOST_TOKEN}x`)],
      { type: 'bounced', bounce: 'hard' },
    );
    expect((await post('sp', signed([{ msys: {} }]))).status).toBe(200);
  });

  it('Resend: Standard Webhooks (svix headers), 5-minute tolerance, any of several signatures', async () => {
    const payload = (emailId: string, to: string) => ({
      type: 'email.complained',
      created_at: new Date().toISOString(),
      data: {
        email_id: 'unknown-resend-id',
        from: 'shop@example.com',
        to: [to],
        subject: 'Your order',
        tags: { mailover_id: emailId },
      },
    });
    await checkScheme(
      'rs',
      (id, to) => resendSigned(RESEND_SECRET, payload(id, to)),
      (id, to) => [
        tampered(resendSigned(RESEND_SECRET, payload(id, to))),
        resendSigned(RESEND_SECRET, payload(id, to), Date.now() - 6 * 60_000),
      ],
      { type: 'complained' },
    );
  });

  it("matches by the provider's message id stored at send time (Mailgun's with or without <>)", async () => {
    const to = `byid-${randomBytes(3).toString('hex')}@example.com`;
    const res = await app.request('POST', '/v1/emails', {
      from: 'shop@example.com',
      to: [to],
      subject: 'Via Mailgun',
      text: 'Hi',
      providers: ['mgsend'],
    });
    const email = await statusOf(app, res.json.id, ['sent']);
    expect(email.providerMessageId).toMatch(/^<.+>$/);
    const delivered = mailgunSigned(MAILGUN_KEY, {
      id: 'mg-delivered-1',
      event: 'delivered',
      timestamp: Date.now() / 1000,
      recipient: to,
      // No user-variables: only the message id can find the email.
      message: { headers: { 'message-id': email.providerMessageId.slice(1, -1) } },
      'delivery-status': { code: 250, message: 'OK' },
    });
    expect((await post('mgsend', delivered)).status).toBe(200);
    const events = await eventsOf(res.json.id, 1);
    expect(events).toEqual([
      expect.objectContaining({ type: 'delivered', providerId: 'mgsend', recipient: to }),
    ]);
  });

  it('answers 404 for an unknown provider or one without a webhook, 400 for a verified but unreadable body', async () => {
    const body = mailgunSigned(MAILGUN_KEY, {});
    expect((await post('nope', body)).status).toBe(404);
    expect((await post('plain', body)).status).toBe(404);
    expect((await fetch(`${app.url}/v1/webhooks/plain`)).status).toBe(404);
    const notArray = resendSigned(RESEND_SECRET, { hello: 'world' });
    const res = await post('rs', notArray);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const sg = sendgridSigned(SENDGRID.privateKey, []);
    expect((await post('sg', { ...sg, body: sg.body })).status).toBe(200);
  });

  it('keeps unmatched events for admin keys and counts them', async () => {
    const stranger = `nobody-${randomBytes(3).toString('hex')}@example.com`;
    const res = await post(
      'rs',
      resendSigned(RESEND_SECRET, {
        type: 'email.delivered',
        created_at: new Date().toISOString(),
        data: { email_id: 'not-ours', to: [stranger], tags: {} },
      }),
    );
    expect(res.status).toBe(200);
    const unmatched = await eventually(async () => {
      const list = await app.request('GET', `/v1/events?recipient=${stranger.toUpperCase()}`);
      return list.json.items.length === 1 ? list.json.items[0] : undefined;
    });
    expect(unmatched).toMatchObject({ emailId: null, type: 'delivered', recipient: stranger });
    const metrics = await fetch(`${app.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /mailover_webhook_events_total\{provider="rs",type="delivered",matched="false"\} [1-9]/,
    );
  });

  it('a hard bounce on one provider keeps the next email to that address away from every provider', async () => {
    const to = `Bounce-${randomBytes(3).toString('hex')}@Example.com`;
    const first = await sent(to);
    const res = await post(
      'mg',
      mailgunSigned(MAILGUN_KEY, {
        id: 'bounce-1',
        event: 'failed',
        severity: 'permanent',
        reason: 'bounce',
        timestamp: Date.now() / 1000,
        recipient: to,
        'user-variables': { mailover_id: first },
      }),
    );
    expect(res.status).toBe(200);
    const listed = await eventually(async () => {
      const list = await app.request('GET', `/v1/suppressions?email=${to.toLowerCase()}`);
      return list.json.items.length === 1 ? list.json.items[0] : undefined;
    });
    expect(listed).toMatchObject({
      email: to.toLowerCase(),
      reason: 'hard_bounce',
      providerId: 'mg',
      eventId: expect.any(String),
    });

    const outbox = join(app.dataDir, 'outbox');
    const before = readdirSync(outbox).length;
    const second = await app.request('POST', '/v1/emails', {
      from: 'shop@example.com',
      to: [to.toUpperCase()],
      subject: 'Again',
      text: 'Hello',
    });
    const failed = await statusOf(app, second.json.id, ['failed', 'sent']);
    expect(failed).toMatchObject({
      status: 'failed',
      error: 'all recipients are suppressed',
      attempts: [],
    });
    expect(failed.events).toEqual([
      expect.objectContaining({
        type: 'suppressed',
        recipient: to.toLowerCase(),
        providerId: 'mailover',
      }),
    ]);
    expect(readdirSync(outbox)).toHaveLength(before);

    // One of two recipients suppressed: the other still gets it.
    const third = await app.request('POST', '/v1/emails', {
      from: 'shop@example.com',
      to: [to, 'still-fine@example.com'],
      subject: 'Partly',
      text: 'Hello',
    });
    const partly = await statusOf(app, third.json.id, ['sent', 'failed']);
    expect(partly.status).toBe('sent');
    expect(partly.events.map((e: { type: string }) => e.type)).toEqual(['suppressed']);

    // Taken off the list by an admin: sent again.
    const off = await app.request('DELETE', `/v1/suppressions/${encodeURIComponent(to)}`);
    expect(off.status).toBe(204);
    expect((await app.request('DELETE', `/v1/suppressions/${encodeURIComponent(to)}`)).status).toBe(
      404,
    );
    await sent(to);
  });

  it("GET /v1/events shows a read key its tenant's events only; suppressions are admin-only", async () => {
    const as = (method: string, target: string, body?: unknown) =>
      signedRequest(app.url, method, target, body, {}, TENANT);
    const to = `tenant-${randomBytes(3).toString('hex')}@example.com`;
    const res = await as('POST', '/v1/emails', {
      from: 'shop@example.com',
      to: [to],
      subject: 'Tenant',
      text: 'Hi',
    });
    expect(res.status).toBe(202);
    await statusOf(app, res.json.id, ['sent']);
    const opened = resendSigned(RESEND_SECRET, {
      type: 'email.opened',
      created_at: new Date().toISOString(),
      data: { email_id: 'x', to: [to], tags: { mailover_id: res.json.id } },
    });
    const stray = resendSigned(RESEND_SECRET, {
      type: 'email.opened',
      created_at: new Date().toISOString(),
      data: { email_id: 'not-ours', to: [to], tags: {} },
    });
    expect((await post('rs', opened)).status).toBe(200);
    expect((await post('rs', stray)).status).toBe(200);
    const all = await eventually(async () => {
      const list = await app.request('GET', `/v1/events?recipient=${to}`);
      return list.json.items.length === 2 ? list.json.items : undefined;
    });
    expect(all.map((e: { emailId: string | null }) => e.emailId).sort()).toEqual([
      res.json.id,
      null,
    ]);
    const mine = await as('GET', '/v1/events?limit=200');
    expect(mine.json.items).toEqual([
      expect.objectContaining({ emailId: res.json.id, type: 'opened' }),
    ]);
    const page = await app.request('GET', '/v1/events?limit=1');
    expect(page.json.nextCursor).toBe(page.json.items[0].id);
    const next = await app.request('GET', `/v1/events?limit=1&cursor=${page.json.nextCursor}`);
    expect(next.json.items[0].id < page.json.items[0].id).toBe(true);
    expect((await as('GET', '/v1/suppressions')).status).toBe(403);
    expect((await as('PUT', '/v1/suppressions/a@example.com', { reason: 'manual' })).status).toBe(
      403,
    );
    const bad = await app.request('GET', '/v1/events?type=nope');
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([expect.objectContaining({ field: 'type' })]);
  });

  it('PUT /v1/suppressions/{email} lists an address by hand; bad input names the field', async () => {
    const put = await app.request('PUT', '/v1/suppressions/Manual@Example.com', {
      reason: 'manual',
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      email: 'manual@example.com',
      reason: 'manual',
      eventId: null,
    });
    const bad = await app.request('PUT', '/v1/suppressions/not-an-address', { reason: 'manual' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    const badReason = await app.request('PUT', '/v1/suppressions/x@example.com', {
      reason: 'other',
    });
    expect(badReason.status).toBe(400);
    expect(badReason.json.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    const list = await app.request('GET', '/v1/suppressions?reason=manual');
    expect(list.json.items.map((s: { email: string }) => s.email)).toContain('manual@example.com');
  });

  it('documents every new route in the OpenAPI document', async () => {
    const doc = (await fetch(`${app.url}/docs-json`).then((r) => r.json())) as {
      paths: Record<
        string,
        Record<string, { security?: unknown; responses: Record<string, unknown> }>
      >;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const webhook = doc.paths['/v1/webhooks/{providerId}'];
    expect(Object.keys(webhook.post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404', '413', '429']),
    );
    // The provider's own scheme, not Mailover's signature.
    expect(webhook.post.security).toBeUndefined();
    expect(webhook.get).toBeDefined();
    expect(doc.paths['/v1/events'].get.security).toEqual([{ 'mailover-signature': [] }]);
    expect(doc.paths['/v1/suppressions'].get).toBeDefined();
    expect(Object.keys(doc.paths['/v1/suppressions/{email}'])).toEqual(
      expect.arrayContaining(['put', 'delete']),
    );
    expect(doc.components.schemas.EmailView.properties.events).toBeDefined();
  });

  it('rejects a webhook body above events.webhookBodyLimitBytes with 413', async () => {
    const res = await fetch(`${app.url}/v1/webhooks/sg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(app.config.events.webhookBodyLimitBytes + 1),
    });
    expect(res.status).toBe(413);
  });
});

describe('provider webhooks: rate limit', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      logging: { level: 'silent' },
      rateLimit: {
        default: { limit: 100000, ttlMs: 1000 },
        anonymous: { limit: 100000, ttlMs: 1000 },
        webhooks: { limit: 3, ttlMs: 60_000 },
      },
      providers: [
        { id: 'sandbox', type: 'sandbox' },
        {
          id: 'rs',
          type: 'resend',
          enabled: false,
          apiKey: 'k',
          webhook: { secret: RESEND_SECRET },
        },
      ],
    });
  });

  afterAll(() => app?.close());

  it('limits each client address by rateLimit.webhooks before verifying anything', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${app.url}/v1/webhooks/rs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Signed API calls keep their own budget.
    expect((await app.request('GET', '/v1/events')).status).toBe(200);
  });
});

describe('provider webhooks: processing from the store', () => {
  it('processes a delivery that was stored and answered but not processed before the process died', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailover-webhook-crash-'));
    // What a process leaves behind when it dies between the 200 and the processing.
    const emails = new SqliteEmailStore(join(dataDir, 'mailover.db'));
    await emails.migrate();
    const body = JSON.stringify([
      {
        email: 'late@example.com',
        timestamp: Math.floor(Date.now() / 1000),
        event: 'spamreport',
        sg_event_id: 'sg-late-1',
        sg_message_id: 'none.filter0',
      },
    ]);
    await new KyselyEventStore(emails.database).saveDelivery({
      id: newId(),
      providerId: 'sg',
      dedupeKey: 'before-the-crash',
      body,
      receivedAt: new Date(),
    });
    await emails.close();

    const app = await startTestApp(
      {
        logging: { level: 'silent' },
        providers: [
          { id: 'sandbox', type: 'sandbox' },
          {
            id: 'sg',
            type: 'sendgrid',
            enabled: false,
            apiKey: 'k',
            webhook: { publicKey: SENDGRID.publicKey },
          },
        ],
      },
      dataDir,
    );
    try {
      const events = await eventually(async () => {
        const res = await app.request('GET', '/v1/events?providerId=sg');
        return res.json.items.length ? res.json.items : undefined;
      });
      expect(events).toEqual([
        expect.objectContaining({ type: 'complained', recipient: 'late@example.com' }),
      ]);
      const listed = await app.request('GET', '/v1/suppressions?email=late@example.com');
      expect(listed.json.items).toEqual([expect.objectContaining({ reason: 'complaint' })]);
    } finally {
      await app.close();
    }
  });
});
