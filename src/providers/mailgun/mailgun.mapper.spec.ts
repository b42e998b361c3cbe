import {
  PIXEL_PNG,
  RECEIPT_BYTES,
  sampleEmail,
  textOnlyEmail,
} from '../../../test/contracts/sample-email';
import { answer } from '../../../test/support/provider-answer';
import {
  mailgunAuthorization,
  mailgunForm,
  mailgunMessagesPath,
  mailgunRequest,
  mailgunRetryAfterMs,
  readMailgunFailure,
  readMailgunMessageId,
} from './mailgun.mapper';

const bytes = async (part: unknown) =>
  Buffer.from(await (part as Blob).arrayBuffer()).toString('hex');

describe('mailgun mapper', () => {
  describe('request', () => {
    it('posts to /v3/{domain}/messages on the US or EU host, without doubling a configured /v3', () => {
      expect(mailgunMessagesPath('mg.acme.test', 'https://api.mailgun.net')).toBe(
        '/v3/mg.acme.test/messages',
      );
      expect(mailgunMessagesPath('mg.acme.test', 'https://api.eu.mailgun.net')).toBe(
        '/v3/mg.acme.test/messages',
      );
      expect(mailgunMessagesPath('mg.acme.test', 'https://api.eu.mailgun.net/v3')).toBe(
        '/mg.acme.test/messages',
      );
      expect(mailgunMessagesPath('a/b', '')).toBe('/v3/a%2Fb/messages');
    });

    it('authenticates with Basic api:<key>', () => {
      expect(mailgunAuthorization('key-123')).toBe(
        `Basic ${Buffer.from('api:key-123').toString('base64')}`,
      );
      const req = mailgunRequest(sampleEmail(), { domain: 'mg.acme.test', apiKey: 'key-123' });
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/v3/mg.acme.test/messages');
      expect(req.headers).toEqual({
        Authorization: mailgunAuthorization('key-123'),
        Accept: 'application/json',
      });
      expect(req.body).toBeInstanceOf(FormData);
    });

    it('maps every field onto the multipart form', async () => {
      // A display name with a comma is quoted, so it does not split the list.
      const lee = { email: 'ann@example.com', name: 'Lee, Ann' };
      const form = mailgunForm(sampleEmail({ to: [lee, { email: 'bob@example.com' }] }));
      expect(form.getAll('from')).toEqual(['Acme Support <support@acme.test>']);
      expect(form.getAll('to')).toEqual(['"Lee, Ann" <ann@example.com>', 'bob@example.com']);
      expect(form.getAll('cc')).toEqual(['Carol <carol@example.com>']);
      expect(form.getAll('bcc')).toEqual(['dave@example.com']);
      expect(form.getAll('h:Reply-To')).toEqual(['Help Desk <help@acme.test>']);
      expect(form.getAll('subject')).toEqual(['Your trip receipt \u2708 #42']);
      expect(form.getAll('text')).toEqual(['Hi Ann']);
      expect(form.getAll('html')).toEqual(['<h1>Hi Ann</h1><img src="cid:logo">']);
      expect(form.getAll('h:X-Campaign')).toEqual(['nov']);
      expect(form.getAll('o:tag')).toEqual(['receipt', 'nov']);
      expect(form.getAll('v:category')).toEqual(['receipt']);
      expect(form.getAll('v:order')).toEqual(['42']);
      expect(form.getAll('v:mailover_id')).toEqual(['01JD0000000000000000000001']);

      const [attachment] = form.getAll('attachment') as File[];
      expect(form.getAll('attachment')).toHaveLength(1);
      expect(attachment.name).toBe('receipt.pdf');
      expect(attachment.type).toBe('application/pdf');
      expect(await bytes(attachment)).toBe(RECEIPT_BYTES.toString('hex'));

      // The inline part's filename is what Mailgun makes its Content-ID.
      const [inline] = form.getAll('inline') as File[];
      expect(form.getAll('inline')).toHaveLength(1);
      expect(inline.name).toBe('logo');
      expect(inline.type).toBe('image/png');
      expect(await bytes(inline)).toBe(PIXEL_PNG.toString('hex'));
    });

    it('leaves out what a text-only message does not have', () => {
      const form = mailgunForm(textOnlyEmail());
      expect([...form.keys()].sort()).toEqual([
        'from',
        'subject',
        'text',
        'to',
        'to',
        'v:mailover_id',
      ]);
    });

    it('lets mailover_id win over a metadata entry of the same name', () => {
      const form = mailgunForm(sampleEmail({ metadata: { mailover_id: 'spoofed' } }));
      expect(form.getAll('v:mailover_id')).toEqual(['01JD0000000000000000000001']);
    });
  });

  describe('success answer', () => {
    it('reads the id with its angle brackets', () => {
      const body = '{"id":"<20240101120000.1.ABCDEF@mg.acme.test>","message":"Queued. Thank you."}';
      expect(readMailgunMessageId(answer(200, body))).toBe(
        '<20240101120000.1.ABCDEF@mg.acme.test>',
      );
    });

    it('finds no id in a malformed or empty answer', () => {
      expect(readMailgunMessageId(answer(200, '{"id": "<2024'))).toBeUndefined();
      expect(readMailgunMessageId(answer(200, '<html>ok</html>'))).toBeUndefined();
      expect(readMailgunMessageId(answer(200, '{"message":"Queued. Thank you."}'))).toBeUndefined();
    });
  });

  describe('failure classification', () => {
    const NOW = Date.parse('2021-12-20T20:33:00Z');
    const message = (text: string) => JSON.stringify({ message: text });

    it.each([
      [
        400,
        message('to parameter is not a valid address. please check documentation'),
        'permanent',
      ],
      [400, message("Need at least one of 'text' or 'html' parameters specified"), 'permanent'],
      [
        400,
        message(
          'Domain acme.test is not allowed to send: The domain is unverified and requires DNS configuration.',
        ),
        'provider',
      ],
      [
        400,
        message(
          'Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.',
        ),
        'provider',
      ],
      [401, 'Forbidden', 'provider'],
      [402, message('Request failed'), 'provider'],
      [403, message('Domain acme.test is not allowed to send large batches yet'), 'provider'],
      [404, message('Domain not found: acme.test'), 'provider'],
      [413, 'request size exceeds 52.4MiB limit', 'permanent'],
      [
        429,
        message(
          'Domain acme.test is not allowed to send: request limit exceeded, try again after 120 seconds',
        ),
        'retryable',
      ],
      [500, message('Internal Server Error'), 'retryable'],
      [502, '<html><body>Bad Gateway</body></html>', 'retryable'],
    ])('HTTP %i %s is %s', (status, body, kind) => {
      expect(readMailgunFailure(answer(status, body), NOW).kind).toBe(kind);
    });

    it("keeps Mailgun's own text, JSON or bare", () => {
      expect(readMailgunFailure(answer(401, 'Forbidden'))).toEqual({
        kind: 'provider',
        message: 'Forbidden',
        retryAfterMs: undefined,
      });
      expect(readMailgunFailure(answer(404, message('Domain not found: acme.test'))).message).toBe(
        'Domain not found: acme.test',
      );
      expect(readMailgunFailure(answer(503, '')).message).toBe('HTTP 503');
    });

    it('reads the 429 wait from X-RateLimit-Reset (epoch seconds), else from the message', () => {
      const headers = { 'x-ratelimit-reset': String(NOW / 1000 + 3.5) };
      expect(
        readMailgunFailure(answer(429, message('request limit exceeded'), headers), NOW)
          .retryAfterMs,
      ).toBe(3500);
      const dated = message(
        'Domain acme.test is not allowed to send: request limit exceeded, try again after Mon, 20 Dec 2021 20:33:21 UTC',
      );
      expect(readMailgunFailure(answer(429, dated), NOW).retryAfterMs).toBe(21_000);
      expect(
        mailgunRetryAfterMs(
          {},
          'account-requests-per-sec limit exceeded, try again after 120 seconds',
          NOW,
        ),
      ).toBe(120_000);
      expect(
        mailgunRetryAfterMs(
          { 'x-ratelimit-reset': String(NOW / 1000 - 10) },
          'limit exceeded',
          NOW,
        ),
      ).toBeUndefined();
      expect(
        readMailgunFailure(answer(500, message('x'), headers), NOW).retryAfterMs,
      ).toBeUndefined();
    });
  });
});
