import {
  PIXEL_PNG,
  RECEIPT_BYTES,
  sampleEmail,
  textOnlyEmail,
} from '../../../test/contracts/sample-email';
import { answer } from '../../../test/support/provider-answer';
import {
  readSendgridFailure,
  readSendgridMessageId,
  sendgridMail,
  sendgridRequest,
  sendgridRetryAfterMs,
} from './sendgrid.mapper';

describe('sendgrid mapper', () => {
  describe('request', () => {
    it('posts JSON to /v3/mail/send with a Bearer key', () => {
      const req = sendgridRequest(sampleEmail(), 'SG.abc.def');
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/v3/mail/send');
      expect(req.headers).toEqual({
        Authorization: 'Bearer SG.abc.def',
        'Content-Type': 'application/json',
        Accept: 'application/json',
      });
      expect(JSON.parse(req.body as string)).toEqual(sendgridMail(sampleEmail()));
    });

    it('maps every field onto the v3 body', () => {
      expect(sendgridMail(sampleEmail())).toEqual({
        personalizations: [
          {
            to: [{ email: 'ann@example.com', name: 'Ann Lee' }, { email: 'bob@example.com' }],
            cc: [{ email: 'carol@example.com', name: 'Carol' }],
            bcc: [{ email: 'dave@example.com' }],
            custom_args: {
              category: 'receipt',
              order: '42',
              mailover_id: '01JD0000000000000000000001',
            },
          },
        ],
        from: { email: 'support@acme.test', name: 'Acme Support' },
        reply_to: { email: 'help@acme.test', name: 'Help Desk' },
        subject: 'Your trip receipt \u2708 #42',
        content: [
          { type: 'text/plain', value: 'Hi Ann' },
          { type: 'text/html', value: '<h1>Hi Ann</h1><img src="cid:logo">' },
        ],
        headers: { 'X-Campaign': 'nov' },
        attachments: [
          {
            content: RECEIPT_BYTES.toString('base64'),
            filename: 'receipt.pdf',
            type: 'application/pdf',
            disposition: 'attachment',
          },
          {
            content: PIXEL_PNG.toString('base64'),
            filename: 'logo.png',
            type: 'image/png',
            disposition: 'inline',
            content_id: 'logo',
          },
        ],
        categories: ['receipt', 'nov'],
      });
    });

    it('leaves out what a text-only message does not have', () => {
      const mail = sendgridMail(textOnlyEmail());
      expect(mail).toEqual({
        personalizations: [
          {
            to: [{ email: 'ann@example.com', name: 'Ann Lee' }, { email: 'bob@example.com' }],
            custom_args: { mailover_id: '01JD0000000000000000000001' },
          },
        ],
        from: { email: 'support@acme.test', name: 'Acme Support' },
        subject: 'Your trip receipt \u2708 #42',
        content: [{ type: 'text/plain', value: 'Hi Ann' }],
      });
    });

    it('sends each address once across to, cc and bcc, and each category once', () => {
      const mail = sendgridMail(
        sampleEmail({
          to: [{ email: 'ann@example.com' }, { email: 'ANN@example.com', name: 'Ann' }],
          cc: [{ email: 'Ann@Example.com' }, { email: 'carol@example.com' }],
          bcc: [{ email: 'carol@example.com' }],
          tags: ['a', 'b', 'a'],
        }),
      );
      expect(mail.personalizations[0].to).toEqual([{ email: 'ann@example.com' }]);
      expect(mail.personalizations[0].cc).toEqual([{ email: 'carol@example.com' }]);
      expect(mail.personalizations[0].bcc).toBeUndefined();
      expect(mail.categories).toEqual(['a', 'b']);
    });

    it('lets mailover_id win over a metadata entry of the same name', () => {
      const mail = sendgridMail(sampleEmail({ metadata: { mailover_id: 'spoofed' } }));
      expect(mail.personalizations[0].custom_args).toEqual({
        mailover_id: '01JD0000000000000000000001',
      });
    });
  });

  describe('success answer', () => {
    it('reads the id from the X-Message-Id header of the empty 202', () => {
      expect(
        readSendgridMessageId(answer(202, '', { 'x-message-id': 'W9xYzAbCdEfGhIjKlMnOpQ' })),
      ).toBe('W9xYzAbCdEfGhIjKlMnOpQ');
    });

    it('finds no id without the header, whatever the body says', () => {
      expect(readSendgridMessageId(answer(202, ''))).toBeUndefined();
      expect(
        readSendgridMessageId(answer(202, '{"id":"x"}', { 'x-message-id': ' ' })),
      ).toBeUndefined();
    });
  });

  describe('failure classification', () => {
    const body = (message: string, field: string | null = null) =>
      JSON.stringify({ errors: [{ message, field, help: null }] });

    it.each([
      [
        400,
        body('Does not contain a valid address.', 'personalizations.0.to.0.email'),
        'permanent',
      ],
      [400, body('The subject is required.', 'subject'), 'permanent'],
      [401, body('The provided authorization grant is invalid, expired, or revoked'), 'provider'],
      [401, body('authorization required'), 'provider'],
      [
        403,
        body('The from address does not match a verified Sender Identity.', 'from'),
        'provider',
      ],
      [403, body('access forbidden'), 'provider'],
      [404, body('not found'), 'provider'],
      [405, body('method not allowed'), 'provider'],
      [413, body('content too large'), 'permanent'],
      [429, body('too many requests'), 'retryable'],
      [500, body('internal server error'), 'retryable'],
      [503, '<html>Service Unavailable</html>', 'retryable'],
    ])('HTTP %i %s is %s', (status, text, kind) => {
      expect(readSendgridFailure(answer(status, text)).kind).toBe(kind);
    });

    it("keeps every one of SendGrid's messages, with the field it names", () => {
      const text = JSON.stringify({
        errors: [
          {
            message: 'Does not contain a valid address.',
            field: 'personalizations.0.to.0.email',
            help: 'http://x',
          },
          { message: 'The subject is required.', field: 'subject', help: null },
          { message: 'Something general.', field: null },
        ],
      });
      expect(readSendgridFailure(answer(400, text)).message).toBe(
        'Does not contain a valid address. (personalizations.0.to.0.email); The subject is required. (subject); Something general.',
      );
      expect(readSendgridFailure(answer(502, 'Bad Gateway')).message).toBe('Bad Gateway');
      expect(readSendgridFailure(answer(502, '')).message).toBe('HTTP 502');
    });

    it('reads the 429 wait from X-RateLimit-Reset (epoch seconds)', () => {
      const now = 1_700_000_000_000;
      const headers = {
        'x-ratelimit-limit': '600',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1700000002',
      };
      expect(
        readSendgridFailure(answer(429, body('too many requests'), headers), now).retryAfterMs,
      ).toBe(2000);
      expect(sendgridRetryAfterMs({ 'x-ratelimit-reset': '1699999999' }, now)).toBeUndefined();
      expect(sendgridRetryAfterMs({}, now)).toBeUndefined();
      expect(
        readSendgridFailure(answer(500, body('x'), headers), now).retryAfterMs,
      ).toBeUndefined();
    });
  });
});
