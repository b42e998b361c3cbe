import { SparkpostFake } from '../fakes/sparkpost.fake';

const KEY = 'sp-fake-key-14ac5499cfdd';

interface SparkpostAnswer {
  results: { id: string; total_rejected_recipients: number; total_accepted_recipients: number };
  errors: Array<{ message: string; description?: string; code?: string }>;
}
const read = (res: Response) => res.json() as Promise<SparkpostAnswer>;

describe('SparkpostFake over HTTP', () => {
  const fake = new SparkpostFake(KEY);
  const transmission = {
    recipients: [{ address: { email: 'ann@example.com', name: 'Ann' } }],
    content: { from: { email: 'support@acme.test' }, subject: 'Hi', text: 'Hi' },
  };
  const post = (body: unknown, authorization: string | null = KEY) =>
    fetch(`${fake.url}/api/v1/transmissions`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(authorization ? { Authorization: authorization } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('answers 200 with results.id (fresh, numeric) and the recipient counts', async () => {
    const res = await post(transmission);
    expect(res.status).toBe(200);
    const body = await read(res);
    expect(body).toEqual({
      results: {
        total_rejected_recipients: 0,
        total_accepted_recipients: 1,
        id: expect.stringMatching(/^\d+$/),
      },
    });
    expect(fake.lastMessageId).toBe(body.results.id);
    const again = await read(await post(transmission));
    expect(again.results.id).not.toBe(body.results.id);
  });

  it('takes Basic auth with the key as user name and an empty password', async () => {
    const basic = `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`;
    expect((await post(transmission, basic)).status).toBe(200);
  });

  it.each([
    ['no Authorization', null],
    ['a wrong key', 'sp-not-the-key'],
    ['a Bearer scheme', `Bearer ${KEY}`],
  ])('answers %s with 401 and an errors array', async (_what, authorization) => {
    const res = await post(transmission, authorization);
    expect(res.status).toBe(401);
    expect(await read(res)).toEqual({ errors: [{ message: 'Unauthorized.' }] });
  });

  it.each([
    ['recipients', { ...transmission, recipients: [] }, 'recipients or list_id required'],
    ['content', { recipients: transmission.recipients }, 'content object or template_id required'],
    [
      'content.from',
      { ...transmission, content: { subject: 'Hi', text: 'Hi' } },
      'content.from is a required field',
    ],
    [
      'text and html',
      { ...transmission, content: { from: 'support@acme.test', subject: 'Hi' } },
      'At least one of text or html needs to exist in content',
    ],
  ])('answers a transmission without %s with 422 code "1400"', async (_what, body, description) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(await read(res)).toEqual({
      errors: [{ message: 'required field is missing', description, code: '1400' }],
    });
  });

  it('answers malformed JSON with 422 code "1300"', async () => {
    const res = await post('{"recipients":');
    expect(res.status).toBe(422);
    expect((await read(res)).errors[0]).toMatchObject({
      message: 'invalid data format/type',
      code: '1300',
    });
  });

  it('answers a partial success with a 200, code "2000" and rcpt_to_errors', async () => {
    const res = await post({
      ...transmission,
      recipients: [...transmission.recipients, { address: {} }],
    });
    expect(res.status).toBe(200);
    const body = await read(res);
    expect(body.errors).toEqual([
      { message: 'transmission created, but with validation errors', code: '2000' },
    ]);
    expect(body.results).toMatchObject({
      total_rejected_recipients: 1,
      total_accepted_recipients: 1,
    });
  });

  it('answers the reject-recipient fault with 400 code "1902" naming the recipient', async () => {
    fake.inject({ kind: 'reject-recipient' }, 1);
    const res = await post(transmission);
    expect(res.status).toBe(400);
    const [error] = (await read(res)).errors;
    expect(error).toMatchObject({ message: 'Message generation rejected', code: '1902' });
    expect(error.description).toContain('ann@example.com');
  });
});
