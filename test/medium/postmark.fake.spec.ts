import { POSTMARK_API_TEST, PostmarkFake } from '../fakes/postmark.fake';

const TOKEN = 'pm-fake-token-2f9c';

interface PostmarkAnswer {
  To?: string;
  SubmittedAt?: string;
  MessageID?: string;
  ErrorCode: number;
  Message: string;
}
const read = (res: Response) => res.json() as Promise<PostmarkAnswer>;

describe('PostmarkFake over HTTP', () => {
  const fake = new PostmarkFake(TOKEN);
  const message = {
    From: 'support@acme.test',
    To: 'Ann <ann@example.com>',
    Subject: 'Hi',
    TextBody: 'Hi',
  };
  const post = (
    body: unknown,
    headers: Record<string, string> = { 'X-Postmark-Server-Token': TOKEN },
  ) =>
    fetch(`${fake.url}/email`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('answers 200 with To, SubmittedAt, a fresh MessageID, ErrorCode 0 and Message OK', async () => {
    const first = await post(message);
    expect(first.status).toBe(200);
    const body = await read(first);
    expect(body).toEqual({
      To: 'Ann <ann@example.com>',
      SubmittedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/),
      MessageID: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ),
      ErrorCode: 0,
      Message: 'OK',
    });
    expect(fake.lastMessageId).toBe(body.MessageID);
    const second = await read(await post(message));
    expect(second.MessageID).not.toBe(body.MessageID);
  });

  it('compares the token case-insensitively and takes the POSTMARK_API_TEST token', async () => {
    expect((await post(message, { 'X-Postmark-Server-Token': TOKEN.toUpperCase() })).status).toBe(
      200,
    );
    expect((await post(message, { 'X-Postmark-Server-Token': POSTMARK_API_TEST })).status).toBe(
      200,
    );
  });

  it('answers a missing token with 401 ErrorCode 10', async () => {
    const res = await post(message, {});
    expect(res.status).toBe(401);
    expect(await read(res)).toEqual({
      ErrorCode: 10,
      Message: expect.stringContaining('X-Postmark-Server-Token'),
    });
  });

  it('answers a wrong token with 401 ErrorCode 10', async () => {
    const res = await post(message, { 'X-Postmark-Server-Token': 'not-the-token' });
    expect(res.status).toBe(401);
    expect(await read(res)).toEqual({
      ErrorCode: 10,
      Message: expect.stringContaining('invalid'),
    });
  });

  it.each([
    ['From', { ...message, From: undefined }, "Invalid 'From' value."],
    ['every recipient', { ...message, To: undefined }, 'Zero recipients specified'],
    [
      'both bodies',
      { ...message, TextBody: undefined },
      'Provide either email TextBody or HtmlBody or both.',
    ],
  ])('answers a request without %s with 422 ErrorCode 300', async (_what, body, text) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(await read(res)).toEqual({ ErrorCode: 300, Message: text });
  });

  it('answers malformed JSON with 422 ErrorCode 402', async () => {
    const res = await post('{"From":');
    expect(res.status).toBe(422);
    expect(await read(res)).toEqual({ ErrorCode: 402, Message: 'Received invalid JSON input.' });
  });

  it('answers the reject-recipient fault with 422 ErrorCode 406 naming the inactive address', async () => {
    fake.inject({ kind: 'reject-recipient' }, 1);
    const res = await post(message);
    expect(res.status).toBe(422);
    const body = await read(res);
    expect(body.ErrorCode).toBe(406);
    expect(body.Message).toContain('Found inactive addresses: ann@example.com.');
  });
});
