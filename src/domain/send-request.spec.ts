import { InvalidInputError } from './errors';
import { sendRequestJsonSchema } from './send-request.schema';
import {
  isBase64,
  MAX_PROBLEMS,
  MAX_PROBLEMS_PER_LIST,
  parseLegacyRequest,
  parseSendRequest,
  type SendLimits,
} from './send-request';

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
    ['subject', { subject: '' }],
    ['subject', { subject: '   ' }],
    ['subject', { subject: 'Invoice \u0085paid' }],
    ['subject', { subject: 'Invoice \u202egnp.exe' }],
    ['subject', { subject: 'Invoice \u2067x\u2069' }],
    ['headers.X-Note', { headers: { 'X-Note': 'a\u009bb' } }],
    ['headers.X-Note', { headers: { 'X-Note': 'a\u202db' } }],
    ['to[0]', { to: [{ email: 'a@example.com', name: 'Ann \u202e' }] }],
    ['attachments[0].filename', { attachments: [{ filename: 'a\u202etxt.exe', content: 'aGk=' }] }],
    ['attachments[0].filename', { attachments: [{ filename: 'a\u0080.txt', content: 'aGk=' }] }],
    ['sendAt', { sendAt: '2027-02-30T09:30:00Z' }],
    ['sendAt', { sendAt: '2027-02-30 09:30:00' }],
  ])('refuses a bad %s', (field, patch) => {
    expect(problems({ ...valid, ...patch }).map((p) => p.field)).toContain(field);
  });

  it.each([
    'Authentication-Results',
    'ARC-Seal',
    'arc-message-signature',
    'Received',
    'Received-SPF',
    'Resent-From',
    'Delivered-To',
    'DKIM-Signature',
    'dkim-anything',
    'Return-Path',
    'Errors-To',
  ])('refuses the trace or authentication header %s', (name) => {
    expect(problems({ ...valid, headers: { [name]: 'x' } })).toEqual([
      {
        field: `headers.${name}`,
        detail: 'is a trace or authentication header: only servers on the way add it',
      },
    ]);
  });

  it('names bad recipients, unknown providers and a sendAt too far ahead in one answer', () => {
    let thrown: unknown;
    try {
      parseSendRequest(
        { ...valid, to: 'nope', providers: ['nowhere'], sendAt: '2040-01-01T00:00:00Z' },
        {
          ...limits,
          providerIds: ['sandbox'],
          maxScheduleHorizonMs: 365 * 86_400_000,
          now: new Date('2030-01-01T00:00:00Z'),
        },
      );
    } catch (e) {
      thrown = e;
    }
    expect((thrown as InvalidInputError).problems).toEqual([
      { field: 'to', detail: 'must be an email address like name@example.com' },
      { field: 'sendAt', detail: 'must be at most 365 days ahead' },
      { field: 'providers', detail: 'unknown provider id(s): nowhere; known: sandbox' },
    ]);
  });

  it('refuses a list over its limit by its size alone, without reading a million items', () => {
    expect(problems({ ...valid, to: new Array(1_000_000).fill(1) })).toEqual([
      { field: 'to', detail: 'must have at most 3 recipients (has 1000000)' },
    ]);
    expect(problems({ ...valid, tags: new Array(1_000_000).fill('') })).toEqual([
      { field: 'tags', detail: 'must have at most 10 tags' },
    ]);
    const headers = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`X-${i}`, 1]));
    expect(problems({ ...valid, headers })).toEqual([
      { field: 'headers', detail: 'must have at most 2 headers' },
    ]);
  });

  it('counts to, cc and bcc together', () => {
    expect(
      problems({
        ...valid,
        to: ['a@example.com', 'b@example.com'],
        cc: 'c@example.com',
        bcc: ['d@example.com'],
      }),
    ).toEqual([
      { field: 'to', detail: 'to, cc and bcc together must have at most 3 recipients (has 4)' },
    ]);
  });

  it('reports the first problems of a list and counts the rest', () => {
    const wide = { ...limits, maxRecipients: 100 };
    let thrown: unknown;
    try {
      parseSendRequest({ ...valid, to: new Array(100).fill(1) }, wide);
    } catch (e) {
      thrown = e;
    }
    const found = (thrown as InvalidInputError).problems;
    expect(found).toHaveLength(MAX_PROBLEMS_PER_LIST + 1);
    expect(found[0]).toEqual({
      field: 'to[0]',
      detail: 'must be an address string or {email, name}',
    });
    expect(found[MAX_PROBLEMS_PER_LIST]).toEqual({
      field: 'to',
      detail: `and ${100 - MAX_PROBLEMS_PER_LIST} more problems in this list`,
    });
  });

  it('names what is wrong inside an address, an attachment, a header and metadata', () => {
    expect(
      problems({
        ...valid,
        from: { email: 5 },
        cc: [{ email: 'c@example.com', nick: 'c' }],
        attachments: [{ filename: 'a.txt', content: 'aGk=', url: 'https://x.test/a' }],
        headers: { Bcc: 'x' },
        metadata: { mailover_id: 'x' },
      }),
    ).toEqual([
      { field: 'from.email', detail: 'must be a string' },
      { field: 'cc[0].nick', detail: 'is not a known field' },
      { field: 'headers.Bcc', detail: 'is reserved: set it through its own field' },
      {
        field: 'attachments[0].url',
        detail: 'attachments are bytes only (base64 content), never a path or URL',
      },
      {
        field: 'metadata.mailover_id',
        detail: 'keys must be 1 to 64 of [A-Za-z0-9_.-] (mailover_id is reserved)',
      },
    ]);
  });

  it('caps the problems of a whole request', () => {
    const wide = { ...limits, maxRecipients: 100, maxAttachments: 20, maxHeaders: 20 };
    const many = <T>(item: (i: number) => T, n = 20) =>
      Array.from({ length: n }, (_, i) => item(i));
    let thrown: unknown;
    try {
      parseSendRequest(
        {
          ...Object.fromEntries(many((i) => [`x${i}`, 1])),
          from: 1,
          to: many(() => 1),
          cc: many(() => 1),
          bcc: many(() => 1),
          subject: 1,
          html: 1,
          headers: Object.fromEntries(many((i) => [`X-A${i}`, 1])),
          attachments: many(() => 1),
          tags: many(() => 1, 10),
          metadata: Object.fromEntries(many((i) => [`m${i}`, 1])),
          sendAt: 1,
          providers: 1,
        },
        wide,
      );
    } catch (e) {
      thrown = e;
    }
    const found = (thrown as InvalidInputError).problems;
    expect(found).toHaveLength(MAX_PROBLEMS + 1);
    expect(found[0]).toEqual({ field: 'x0', detail: 'is not a known field' });
    // 6 unknown, from, 6 each of to, cc, bcc, headers, attachments, tags and metadata (five
    // and a count), subject, html, sendAt, providers: 53, so 3 over.
    expect(found[found.length - 1]).toEqual({ field: '', detail: 'and 3 more problems' });
  });

  it('describes to OpenAPI what it checks, with the configured limits', () => {
    const json = sendRequestJsonSchema(limits) as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { maxLength?: number; maxItems?: number; anyOf?: unknown[] }>;
    };
    expect(json.required).toEqual(['from', 'to', 'subject']);
    expect(json.additionalProperties).toBe(false);
    expect(json.properties.subject.maxLength).toBe(limits.maxSubjectLength);
    expect(json.properties.attachments.maxItems).toBe(limits.maxAttachments);
    expect(json.properties.to.anyOf).toContainEqual(
      expect.objectContaining({ type: 'array', minItems: 1, maxItems: limits.maxRecipients }),
    );
    expect(Object.keys(json.properties)).toEqual([
      'from',
      'to',
      'cc',
      'bcc',
      'replyTo',
      'subject',
      'html',
      'text',
      'headers',
      'attachments',
      'tags',
      'metadata',
      'sendAt',
      'providers',
    ]);
  });

  it('reads base64 attachments of every size up to the limit in one pass', () => {
    // Up to 10 MiB, config/default.yaml's limits.maxAttachmentBytes.
    const big = { ...limits, maxAttachmentBytes: 10 * 1024 * 1024 };
    for (const size of [0, 1, 2, 3, 3.5 * 1024 * 1024, 10 * 1024 * 1024]) {
      const bytes = Buffer.alloc(size, 7);
      const request = parseSendRequest(
        { ...valid, attachments: [{ filename: 'a.bin', content: bytes.toString('base64') }] },
        big,
      );
      expect(request.message.attachments[0].content.equals(bytes)).toBe(true);
    }
    const wrapped = Buffer.from('hello world')
      .toString('base64')
      .replace(/(.{4})/g, '$1\r\n');
    expect(
      parseSendRequest(
        { ...valid, attachments: [{ filename: 'a.txt', content: wrapped }] },
        limits,
      ).message.attachments[0].content.toString(),
    ).toBe('hello world');
  });

  it.each(['aGk', 'aG=k', 'a===', 'aGk==', 'aGk=aGk=', '****'])(
    'refuses the base64 %j',
    (content) => {
      expect(isBase64(content)).toBe(false);
    },
  );
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
