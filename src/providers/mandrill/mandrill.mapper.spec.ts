import {
  PIXEL_PNG,
  RECEIPT_BYTES,
  sampleEmail,
  textOnlyEmail,
} from '../../../test/contracts/sample-email';
import { readMandrillFailure, readMandrillResult, toMandrillSend } from './mandrill.mapper';

describe('toMandrillSend', () => {
  it('maps every field of the model onto /messages/send', () => {
    // A display name with a comma is quoted, so the Reply-To header stays one address.
    const replyTo = { email: 'help@acme.test', name: 'Help Desk, Acme' };
    const body = toMandrillSend(sampleEmail({ replyTo }));
    expect(body).toEqual({
      async: false,
      message: {
        from_email: 'support@acme.test',
        from_name: 'Acme Support',
        to: [
          { email: 'ann@example.com', name: 'Ann Lee', type: 'to' },
          { email: 'bob@example.com', type: 'to' },
          { email: 'carol@example.com', name: 'Carol', type: 'cc' },
          { email: 'dave@example.com', type: 'bcc' },
        ],
        headers: { 'X-Campaign': 'nov', 'Reply-To': '"Help Desk, Acme" <help@acme.test>' },
        subject: 'Your trip receipt \u2708 #42',
        html: '<h1>Hi Ann</h1><img src="cid:logo">',
        text: 'Hi Ann',
        preserve_recipients: true,
        tags: ['receipt', 'nov'],
        metadata: {
          category: 'receipt',
          order: '42',
          mailover_id: '01JD0000000000000000000001',
        },
        attachments: [
          {
            type: 'application/pdf',
            name: 'receipt.pdf',
            content: RECEIPT_BYTES.toString('base64'),
          },
        ],
        images: [{ type: 'image/png', name: 'logo', content: PIXEL_PNG.toString('base64') }],
      },
    });
    expect(Buffer.from(body.message.attachments![0].content, 'base64').equals(RECEIPT_BYTES)).toBe(
      true,
    );
  });

  it('leaves out what a text-only message does not have, but always sends mailover_id', () => {
    const { message } = toMandrillSend(
      textOnlyEmail({ from: { email: 'a@acme.test' }, to: [{ email: 'ann@example.com' }] }),
    );
    expect(message).toEqual({
      from_email: 'a@acme.test',
      to: [{ email: 'ann@example.com', type: 'to' }],
      subject: 'Your trip receipt \u2708 #42',
      text: 'Hi Ann',
      preserve_recipients: true,
      tags: [],
      metadata: { mailover_id: '01JD0000000000000000000001' },
    });
  });

  it('lets metadata not overwrite mailover_id, and sends an inline non-image as an attachment', () => {
    const css = Buffer.from('p{}');
    const { message } = toMandrillSend(
      sampleEmail({
        metadata: { mailover_id: 'forged' },
        attachments: [
          { filename: 's.css', contentType: 'text/css', content: css, contentId: 'style' },
        ],
      }),
    );
    expect(message.metadata.mailover_id).toBe('01JD0000000000000000000001');
    expect(message.images).toBeUndefined();
    expect(message.attachments).toEqual([
      { type: 'text/css', name: 's.css', content: css.toString('base64') },
    ]);
  });
});

describe('readMandrillResult', () => {
  const row = (
    email: string,
    status: string,
    _id: string,
    reject_reason: string | null = null,
  ) => ({
    email,
    status,
    _id,
    reject_reason,
  });

  it('returns the first accepted _id', () => {
    const text = JSON.stringify([row('a@x.test', 'sent', 'id-a'), row('b@x.test', 'sent', 'id-b')]);
    expect(readMandrillResult(text)).toEqual({ messageId: 'id-a' });
    expect(readMandrillResult(JSON.stringify([row('a@x.test', 'queued', 'id-q')]))).toEqual({
      messageId: 'id-q',
    });
    expect(readMandrillResult(JSON.stringify([row('a@x.test', 'scheduled', 'id-s')]))).toEqual({
      messageId: 'id-s',
    });
  });

  it('treats a partly refused send as accepted, with the first sent _id', () => {
    const text = JSON.stringify([
      row('a@x.test', 'rejected', 'id-a', 'hard-bounce'),
      row('b@x.test', 'sent', 'id-b'),
    ]);
    expect(readMandrillResult(text)).toEqual({ messageId: 'id-b' });
  });

  it('reads a send whose every recipient was refused as permanent, with the reason as code', () => {
    const text = JSON.stringify([
      row('a@x.test', 'rejected', 'id-a', 'unsigned'),
      row('b@x', 'invalid', 'id-b'),
    ]);
    expect(readMandrillResult(text)).toEqual({
      failure: {
        kind: 'permanent',
        message: 'every recipient was refused: a@x.test rejected (unsigned), b@x invalid',
        code: 'unsigned',
      },
    });
  });

  it('answers undefined for anything that is not a readable recipient array', () => {
    expect(readMandrillResult('[{"email":"a@x.test","status":"sent","_i')).toBeUndefined();
    expect(readMandrillResult('[]')).toBeUndefined();
    expect(readMandrillResult('{"status":"sent"}')).toBeUndefined();
    expect(readMandrillResult('"PONG!"')).toBeUndefined();
    expect(
      readMandrillResult(JSON.stringify([{ email: 'a@x.test', status: 'sent' }])),
    ).toBeUndefined();
  });
});

describe('readMandrillFailure', () => {
  const error = (name: string, message = 'text') =>
    JSON.stringify({ status: 'error', code: -1, name, message });

  it.each([
    [401, 'Invalid_Key', 'provider'],
    [500, 'Invalid_Key', 'provider'], // before 2023 every error was a 500
    [500, 'PaymentRequired', 'provider'],
    [500, 'Unknown_Subaccount', 'provider'],
    [400, 'ValidationError', 'permanent'],
    [500, 'ValidationError', 'permanent'],
    [404, 'Unknown_Template', 'permanent'],
    [500, 'Invalid_Tag_Name', 'permanent'],
    [500, 'ServiceUnavailable', 'retryable'],
    [500, 'GeneralError', 'retryable'],
    [429, 'Some_New_Name', 'retryable'],
    [403, 'Some_New_Name', 'provider'],
  ])('HTTP %i %s is %s', (status, name, kind) => {
    expect(readMandrillFailure(status, error(name, 'Invalid API key'))).toEqual({
      kind,
      message: 'Invalid API key',
      code: name,
    });
  });

  it('falls back to the status and the body text when the body is not Mandrill JSON', () => {
    expect(readMandrillFailure(502, '<html>Bad Gateway</html>')).toEqual({
      kind: 'retryable',
      message: '<html>Bad Gateway</html>',
      code: undefined,
    });
    expect(readMandrillFailure(400, '')).toEqual({
      kind: 'permanent',
      message: 'HTTP 400',
      code: undefined,
    });
  });
});
