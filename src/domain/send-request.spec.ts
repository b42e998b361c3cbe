import { InvalidInputError } from './errors';
import { parseLegacyRequest, parseSendRequest, type SendLimits } from './send-request';

const limits: SendLimits = {
  maxRecipients: 3,
  maxAttachments: 2,
  maxAttachmentBytes: 16,
  maxSubjectLength: 50,
  maxHeaders: 2,
};
const valid = {
  from: 'Acme <support@acme.test>',
  to: 'ann@example.com',
  subject: 'Hi',
  text: 'Hello',
};

function problems(
  body: unknown,
  parse = parseSendRequest,
): Array<{ field: string; detail: string }> {
  try {
    parse(body, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).problems;
  }
  throw new Error('expected the request to be refused');
}

describe('parseSendRequest', () => {
  it('normalises a full request', () => {
    const request = parseSendRequest(
      {
        ...valid,
        to: ['Ann Lee <ann@example.com>', { email: 'bob@example.com' }],
        cc: [],
        replyTo: 'help@acme.test',
        html: '<p>Hi</p>',
        headers: { 'X-Campaign': 'nov' },
        attachments: [
          {
            filename: 'a.txt',
            contentType: 'text/plain',
            content: Buffer.from('hello').toString('base64'),
          },
        ],
        tags: ['receipt', 'receipt'],
        metadata: { category: 'receipt' },
        sendAt: '2030-01-15 09:30:00',
        providers: ['pm'],
      },
      limits,
    );
    expect(request.message.to).toEqual([
      { email: 'ann@example.com', name: 'Ann Lee' },
      { email: 'bob@example.com' },
    ]);
    expect(request.message.from).toEqual({ email: 'support@acme.test', name: 'Acme' });
    expect(request.message.replyTo).toEqual({ email: 'help@acme.test' });
    expect(request.message.attachments[0].content.toString()).toBe('hello');
    expect(request.message.tags).toEqual(['receipt']);
    expect(request.sendAt?.toISOString()).toBe('2030-01-15T09:30:00.000Z');
    expect(request.providers).toEqual(['pm']);
  });

  it('names every bad field at once', () => {
    const fields = problems({ to: 'nope', subject: 3, unknownThing: 1 }).map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining(['unknownThing', 'from', 'to', 'subject', 'html']),
    );
  });

  it.each([
    ['subject', { subject: 'Hi\r\nBcc: evil@x.test' }],
    ['headers.X-Evil', { headers: { 'X-Evil': 'a\r\nBcc: evil@x.test' } }],
    ['headers.Bcc', { headers: { Bcc: 'evil@x.test' } }],
    ['headers.Content-Type', { headers: { 'Content-Type': 'text/html' } }],
    ['headers.X:Y', { headers: { 'X:Y': 'v' } }],
    ['attachments[0].filename', { attachments: [{ filename: 'a\r\n.txt', content: 'aGk=' }] }],
    ['attachments[0].filename', { attachments: [{ filename: '../etc/passwd', content: 'aGk=' }] }],
    ['attachments[0].content', { attachments: [{ filename: 'a.txt', content: 'not base64!' }] }],
    [
      'attachments[0].path',
      { attachments: [{ filename: 'a.txt', content: 'aGk=', path: '/etc/passwd' }] },
    ],
    [
      'attachments',
      { attachments: [{ filename: 'a.txt', content: Buffer.alloc(17).toString('base64') }] },
    ],
    [
      'to',
      { to: ['a@example.com', 'b@example.com'], cc: ['c@example.com'], bcc: ['d@example.com'] },
    ],
    ['to[1]', { to: ['a@example.com', 'Bob\n <b@example.com>'] }],
    ['sendAt', { sendAt: 'next tuesday' }],
    ['tags[0]', { tags: ['a\u0000'] }],
    ['metadata.mailover_id', { metadata: { mailover_id: 'x' } }],
    ['html', { text: undefined }],
  ])('refuses a bad %s', (field, patch) => {
    expect(problems({ ...valid, ...patch }).map((p) => p.field)).toContain(field);
  });
});

describe('parseLegacyRequest', () => {
  it('maps the original fields', () => {
    const request = parseLegacyRequest(
      {
        to: 'ann@example.com',
        to_name: 'Ann',
        from: 'noreply@acme.test',
        from_name: 'Acme',
        subject: 'Hi',
        body: '<h1>Hi</h1>',
        send_at: '2030-01-15 09:30:00',
      },
      limits,
    );
    expect(request.message.to).toEqual([{ email: 'ann@example.com', name: 'Ann' }]);
    expect(request.message.from).toEqual({ email: 'noreply@acme.test', name: 'Acme' });
    expect(request.message.html).toBe('<h1>Hi</h1>');
    expect(request.sendAt?.getTime()).toBe(Date.UTC(2030, 0, 15, 9, 30));
  });

  it('names problems by the original field names', () => {
    const fields = problems(
      { to: 'ann@example.com', from: 'x@acme.test', subject: 'Hi', send_at: 'soon' },
      parseLegacyRequest,
    ).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['body', 'send_at']));
  });
});
