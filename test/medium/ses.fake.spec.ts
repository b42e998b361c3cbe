import * as aws4 from 'aws4';
import { SesFake } from '../fakes/ses.fake';

const REGION = 'eu-central-1';
const KEY_ID = 'AKIAFAKESPECKEY00001';
const SECRET = 'ses-fake-spec-secret-0123456789abcdef';

const read = (res: Response) => res.json() as Promise<{ MessageId?: string; message?: string }>;

const simple = {
  FromEmailAddress: 'support@acme.test',
  Destination: { ToAddresses: ['Ann <ann@example.com>'] },
  Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hi' } } } },
  EmailTags: [{ Name: 'mailover_id', Value: '01JD0000000000000000000001' }],
};

interface SignOptions {
  secret?: string;
  keyId?: string;
  region?: string;
  service?: string;
  date?: Date;
}

describe('SesFake over HTTP', () => {
  let now = Date.now();
  const fake = new SesFake({ accessKeyId: KEY_ID, secretAccessKey: SECRET }, REGION, () => now);

  /** A request signed by aws4 the way the adapter signs, sent with fetch. */
  const send = (
    body: unknown,
    options: SignOptions = {},
    tamper?: (h: Record<string, string>) => string | undefined,
  ) => {
    const url = new URL(fake.url);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const signed = aws4.sign(
      {
        host: url.host,
        method: 'POST',
        path: '/v2/email/outbound-emails',
        service: options.service ?? 'ses',
        region: options.region ?? REGION,
        headers: {
          'Content-Type': 'application/json',
          ...(options.date
            ? { 'X-Amz-Date': options.date.toISOString().replace(/[:-]|\.\d{3}/g, '') }
            : {}),
        },
        body: text,
      },
      { accessKeyId: options.keyId ?? KEY_ID, secretAccessKey: options.secret ?? SECRET },
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers ?? {})) {
      if (!['host', 'content-length'].includes(k.toLowerCase())) headers[k] = String(v);
    }
    const sentBody = tamper?.(headers) ?? text;
    return fetch(`${fake.url}/v2/email/outbound-emails`, {
      method: 'POST',
      headers,
      body: sentBody,
    });
  };

  const expectAwsError = async (res: Response, status: number, code: string, message?: RegExp) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('x-amzn-errortype')?.split(':')[0]).toBe(code);
    const body = await read(res);
    expect(body).toEqual({ message: expect.any(String) });
    if (message) expect(body.message).toMatch(message);
  };

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => {
    now = Date.now();
  });

  it('answers a correctly signed request with 200, a fresh MessageId and x-amzn-RequestId', async () => {
    const res = await send(simple);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = await read(res);
    expect(body).toEqual({
      MessageId: expect.stringMatching(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/),
    });
    expect(fake.lastMessageId).toBe(body.MessageId);
    expect((await read(await send(simple))).MessageId).not.toBe(body.MessageId);
  });

  it('recomputes the signature: the wrong secret gets 403 InvalidSignatureException', async () => {
    await expectAwsError(
      await send(simple, { secret: 'not-the-secret' }),
      403,
      'InvalidSignatureException',
      /signature we calculated does not match/,
    );
  });

  it('refuses a body changed after signing', async () => {
    const tampered = JSON.stringify({ ...simple, FromEmailAddress: 'evil@acme.test' });
    await expectAwsError(await send(simple, {}, () => tampered), 403, 'InvalidSignatureException');
  });

  it('refuses a signed header changed after signing', async () => {
    const res = await send(simple, {}, (headers) => {
      headers['Content-Type'] = 'application/x-amz-json-1.0';
      return undefined;
    });
    await expectAwsError(res, 403, 'InvalidSignatureException');
  });

  it('answers an unknown access key with 403 UnrecognizedClientException', async () => {
    await expectAwsError(
      await send(simple, { keyId: 'AKIAUNKNOWNKEY000000' }),
      403,
      'UnrecognizedClientException',
      /security token included in the request is invalid/,
    );
  });

  it('answers a request without Authorization with 403 MissingAuthenticationTokenException', async () => {
    const res = await fetch(`${fake.url}/v2/email/outbound-emails`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(simple),
    });
    await expectAwsError(res, 403, 'MissingAuthenticationTokenException');
  });

  it('checks the scope: service ses and the fake’s region', async () => {
    await expectAwsError(
      await send(simple, { service: 'sns' }),
      403,
      'InvalidSignatureException',
      /scoped to correct service/,
    );
    await expectAwsError(
      await send(simple, { region: 'us-east-1' }),
      403,
      'InvalidSignatureException',
      /valid region/,
    );
  });

  it('answers a signature older than 5 minutes with Signature expired', async () => {
    const res = await send(simple, { date: new Date(now - 6 * 60_000) });
    await expectAwsError(res, 403, 'InvalidSignatureException', /^Signature expired/);
  });

  it('answers a request without Content with 400 BadRequestException', async () => {
    const { Content: _content, ...noContent } = simple;
    await expectAwsError(
      await send(noContent),
      400,
      'BadRequestException',
      /'content' failed to satisfy constraint/,
    );
  });

  it('answers Simple content without FromEmailAddress or recipients with 400 BadRequestException', async () => {
    const { FromEmailAddress: _from, ...noFrom } = simple;
    await expectAwsError(await send(noFrom), 400, 'BadRequestException', /FromEmailAddress/);
    await expectAwsError(
      await send({ ...simple, Destination: {} }),
      400,
      'BadRequestException',
      /Destination/,
    );
  });

  it('answers an EmailTags value with characters SES refuses with 400 BadRequestException', async () => {
    const res = await send({ ...simple, EmailTags: [{ Name: 'order', Value: 'a b' }] });
    await expectAwsError(res, 400, 'BadRequestException', /only alphanumeric ASCII characters/);
  });

  it('accepts Raw content whose MIME carries the From header', async () => {
    const mime = 'From: support@acme.test\r\nTo: ann@example.com\r\nSubject: Hi\r\n\r\nHi\r\n';
    const res = await send({
      Destination: simple.Destination,
      Content: { Raw: { Data: Buffer.from(mime).toString('base64') } },
    });
    expect(res.status).toBe(200);
  });

  it('answers the reject-recipient fault with 400 MessageRejected naming the address', async () => {
    fake.inject({ kind: 'reject-recipient' }, 1);
    await expectAwsError(
      await send(simple),
      400,
      'MessageRejected',
      /failed the check in region EU-CENTRAL-1: ann@example\.com$/,
    );
  });

  it('answers the rate-limit fault with 429 TooManyRequestsException', async () => {
    fake.inject({ kind: 'rate-limit' }, 1);
    await expectAwsError(await send(simple), 429, 'TooManyRequestsException');
  });
});
