import {
  PIXEL_PNG,
  RECEIPT_BYTES,
  sampleEmail,
  textOnlyEmail,
} from '../../../test/contracts/sample-email';
import { answer } from '../../../test/support/provider-answer';
import { readPostmarkFailure, readPostmarkMessageId, toPostmarkMessage } from './postmark.mapper';

describe('toPostmarkMessage', () => {
  it('maps every field onto the PascalCase /email body', () => {
    const cc = [{ email: 'carol@example.com', name: 'Carol, CPA' }];
    expect(toPostmarkMessage(sampleEmail({ cc }), { messageStream: 'outbound' })).toEqual({
      From: 'Acme Support <support@acme.test>',
      To: 'Ann Lee <ann@example.com>, bob@example.com',
      Cc: '"Carol, CPA" <carol@example.com>', // quoted, so the comma does not split the list
      Bcc: 'dave@example.com',
      ReplyTo: 'Help Desk <help@acme.test>',
      Subject: 'Your trip receipt \u2708 #42',
      TextBody: 'Hi Ann',
      HtmlBody: '<h1>Hi Ann</h1><img src="cid:logo">',
      Headers: [{ Name: 'X-Campaign', Value: 'nov' }],
      Tag: 'receipt',
      Metadata: {
        category: 'receipt',
        order: '42',
        mailover_tags: 'receipt,nov',
        mailover_id: '01JD0000000000000000000001',
      },
      MessageStream: 'outbound',
      Attachments: [
        {
          Name: 'receipt.pdf',
          Content: RECEIPT_BYTES.toString('base64'),
          ContentType: 'application/pdf',
        },
        {
          Name: 'logo.png',
          Content: PIXEL_PNG.toString('base64'),
          ContentType: 'image/png',
          ContentID: 'cid:logo',
        },
      ],
    });
  });

  it('leaves out what the message does not have', () => {
    const body = JSON.parse(JSON.stringify(toPostmarkMessage(textOnlyEmail())));
    expect(body).toEqual({
      From: 'Acme Support <support@acme.test>',
      To: 'Ann Lee <ann@example.com>, bob@example.com',
      Subject: 'Your trip receipt \u2708 #42',
      TextBody: 'Hi Ann',
      Metadata: { mailover_id: '01JD0000000000000000000001' },
    });
  });

  it('sends a single tag as Tag only, and mailover_id wins over a metadata key of that name', () => {
    const body = toPostmarkMessage(
      sampleEmail({ tags: ['welcome'], metadata: { mailover_id: 'spoofed' } }),
    );
    expect(body.Tag).toBe('welcome');
    expect(body.Metadata).toEqual({ mailover_id: '01JD0000000000000000000001' });
  });
});

describe('readPostmarkMessageId', () => {
  it('reads MessageID of the 200 answer', () => {
    const ok = {
      To: 'ann@example.com',
      SubmittedAt: '2024-01-01T12:00:00.0000000Z',
      MessageID: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817',
      ErrorCode: 0,
      Message: 'OK',
    };
    expect(readPostmarkMessageId(answer(200, ok))).toBe('b7bc2f4a-e38e-4336-af7d-e6c392c2f817');
  });

  it('answers undefined for a truncated or id-less body', () => {
    expect(readPostmarkMessageId(answer(200, '{"To":"ann@example.com","MessageI'))).toBeUndefined();
    expect(readPostmarkMessageId(answer(200, { ErrorCode: 0, Message: 'OK' }))).toBeUndefined();
    expect(readPostmarkMessageId(answer(200, '<html>ok</html>'))).toBeUndefined();
  });
});

describe('readPostmarkFailure', () => {
  const api = (status: number, ErrorCode: number, Message = 'text') =>
    readPostmarkFailure(answer(status, { ErrorCode, Message }));

  it('reads 401 ErrorCode 10 (bad token) as provider-level, with Postmark’s text and code', () => {
    expect(api(401, 10, 'The Server Token you provided was invalid.')).toEqual({
      kind: 'provider',
      message: 'The Server Token you provided was invalid.',
      code: '10',
    });
  });

  it.each([
    [10, 'provider'], // bad or missing token
    [405, 'provider'], // not allowed to send (credits)
    [412, 'provider'], // account pending approval
    [413, 'provider'], // account may not send
    [406, 'permanent'], // inactive recipient
    [300, 'permanent'], // invalid request
    [400, 'permanent'], // sender signature not found
    [401, 'permanent'], // sender signature not confirmed
    [402, 'permanent'], // invalid JSON
    [411, 'permanent'], // forbidden attachment type
  ])('reads 422 ErrorCode %i as %s', (code, kind) => {
    expect(api(422, code)).toMatchObject({ kind, code: String(code) });
  });

  it.each([
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
    [413, 'permanent'], // payload too large
    [404, 'permanent'],
  ])('reads HTTP %i as %s', (status, kind) => {
    expect(readPostmarkFailure(answer(status, { ErrorCode: 0, Message: 'x' })).kind).toBe(kind);
  });

  it('reads a non-JSON 403 from the edge as retryable, quoting the body', () => {
    const failure = readPostmarkFailure(answer(403, '<html><body>Request blocked</body></html>'));
    expect(failure).toEqual({
      kind: 'retryable',
      message: '<html><body>Request blocked</body></html>',
    });
  });

  it('falls back to the status when the body is empty', () => {
    expect(readPostmarkFailure(answer(502, ''))).toEqual({
      kind: 'retryable',
      message: 'HTTP 502',
    });
  });
});
