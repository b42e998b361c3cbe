import {
  PIXEL_PNG,
  RECEIPT_BYTES,
  sampleEmail,
  textOnlyEmail,
} from '../../../test/contracts/sample-email';
import { answer } from '../../../test/support/provider-answer';
import {
  readResendFailure,
  readResendMessageId,
  resendEmail,
  resendRequest,
  resendRetryAfterMs,
  resendTags,
  resendTagText,
} from './resend.mapper';

describe('resend mapper', () => {
  describe('request', () => {
    it('posts JSON to /emails with a Bearer key, and the Idempotency-Key when there is one', () => {
      const req = resendRequest(sampleEmail(), 're_123', { idempotencyKey: 'mailover-01JD' });
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/emails');
      expect(req.headers).toEqual({
        Authorization: 'Bearer re_123',
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Idempotency-Key': 'mailover-01JD',
      });
      expect(JSON.parse(req.body as string)).toEqual(resendEmail(sampleEmail()));
      expect(resendRequest(sampleEmail(), 're_123').headers).not.toHaveProperty('Idempotency-Key');
    });

    it('maps every field onto the snake_case body', () => {
      expect(resendEmail(sampleEmail())).toEqual({
        from: 'Acme Support <support@acme.test>',
        to: ['Ann Lee <ann@example.com>', 'bob@example.com'],
        cc: ['Carol <carol@example.com>'],
        bcc: ['dave@example.com'],
        reply_to: ['Help Desk <help@acme.test>'],
        subject: 'Your trip receipt \u2708 #42',
        text: 'Hi Ann',
        html: '<h1>Hi Ann</h1><img src="cid:logo">',
        headers: { 'X-Campaign': 'nov' },
        attachments: [
          {
            filename: 'receipt.pdf',
            content: RECEIPT_BYTES.toString('base64'),
            content_type: 'application/pdf',
          },
          {
            filename: 'logo.png',
            content: PIXEL_PNG.toString('base64'),
            content_type: 'image/png',
            content_id: 'logo',
          },
        ],
        tags: [
          { name: 'receipt', value: 'true' },
          { name: 'nov', value: 'true' },
          { name: 'category', value: 'receipt' },
          { name: 'order', value: '42' },
          { name: 'mailover_id', value: '01JD0000000000000000000001' },
        ],
      });
    });

    it('leaves out what a text-only message does not have, but always sends mailover_id', () => {
      const body = resendEmail(textOnlyEmail());
      expect(body).toEqual({
        from: 'Acme Support <support@acme.test>',
        to: ['Ann Lee <ann@example.com>', 'bob@example.com'],
        subject: 'Your trip receipt \u2708 #42',
        text: 'Hi Ann',
        tags: [{ name: 'mailover_id', value: '01JD0000000000000000000001' }],
      });
    });

    it("keeps tags within Resend's charset, metadata over a same-named tag, mailover_id over both", () => {
      expect(resendTagText('Order #42 / \u00e9t\u00e9')).toBe('Order__42____t_');
      expect(resendTagText('x'.repeat(300))).toHaveLength(256);
      const tags = resendTags(
        sampleEmail({
          tags: ['vip', 'order', ''],
          metadata: { order: 'A-1', 'user email': 'a@b.c', mailover_id: 'spoofed' },
        }),
      );
      expect(tags).toEqual([
        { name: 'vip', value: 'true' },
        { name: 'order', value: 'A-1' },
        { name: 'user_email', value: 'a_b_c' },
        { name: 'mailover_id', value: '01JD0000000000000000000001' },
      ]);
    });
  });

  describe('success answer', () => {
    it('reads the id from the JSON body', () => {
      expect(
        readResendMessageId(answer(200, '{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}')),
      ).toBe('49a3999c-0ce1-4ea6-ab68-afcd6dc2e794');
    });

    it('finds no id in a malformed or foreign answer', () => {
      expect(readResendMessageId(answer(200, '{"id":'))).toBeUndefined();
      expect(readResendMessageId(answer(200, '{"data":[{"id":"x"}]}'))).toBeUndefined();
      expect(readResendMessageId(answer(200, '<html></html>'))).toBeUndefined();
    });
  });

  describe('failure classification', () => {
    const body = (statusCode: number, name: string, message = 'text') =>
      JSON.stringify({ statusCode, message, name });

    it.each([
      [400, 'invalid_idempotency_key', 'permanent'],
      [400, 'validation_error', 'permanent'],
      [401, 'missing_api_key', 'provider'],
      [401, 'restricted_api_key', 'provider'],
      [403, 'invalid_api_key', 'provider'],
      [403, 'validation_error', 'provider'], // unverified domain, test-mode recipient restriction
      [403, 'suspended_api_key', 'provider'],
      [403, 'invalid_permission', 'provider'],
      [403, 'email_above_quota', 'provider'],
      [404, 'not_found', 'provider'],
      [405, 'method_not_allowed', 'provider'],
      [409, 'concurrent_idempotent_requests', 'retryable'],
      [409, 'invalid_idempotent_request', 'permanent'],
      [409, 'resource_locked', 'retryable'],
      [422, 'validation_error', 'permanent'],
      [422, 'missing_required_field', 'permanent'],
      [422, 'invalid_from_address', 'permanent'],
      [422, 'invalid_attachment', 'permanent'],
      [429, 'rate_limit_exceeded', 'retryable'],
      [429, 'daily_quota_exceeded', 'provider'],
      [429, 'monthly_quota_exceeded', 'provider'],
      [451, 'security_error', 'permanent'],
      [500, 'application_error', 'retryable'],
      [500, 'internal_server_error', 'retryable'],
    ])('HTTP %i %s is %s', (status, name, kind) => {
      const reading = readResendFailure(answer(status, body(status, name)));
      expect(reading.kind).toBe(kind);
      expect(reading.code).toBe(name);
    });

    it("keeps Resend's message, and falls back to the status for a body that is not Resend's", () => {
      const text = body(422, 'validation_error', 'Invalid `to` field.');
      expect(readResendFailure(answer(422, text))).toEqual({
        kind: 'permanent',
        message: 'Invalid `to` field.',
        code: 'validation_error',
        retryAfterMs: undefined,
      });
      expect(readResendFailure(answer(502, '<html>Bad Gateway</html>'))).toMatchObject({
        kind: 'retryable',
        message: '<html>Bad Gateway</html>',
        code: undefined,
      });
      expect(readResendFailure(answer(403, '')).kind).toBe('provider');
    });

    it('reads the 429 wait from retry-after, else ratelimit-reset (seconds, not an epoch)', () => {
      const headers = {
        'ratelimit-limit': '2',
        'ratelimit-remaining': '0',
        'ratelimit-reset': '3',
        'retry-after': '1',
      };
      expect(
        readResendFailure(answer(429, body(429, 'rate_limit_exceeded'), headers)).retryAfterMs,
      ).toBe(1000);
      expect(resendRetryAfterMs({ 'ratelimit-reset': '3' })).toBe(3000);
      expect(resendRetryAfterMs({})).toBeUndefined();
    });
  });
});
