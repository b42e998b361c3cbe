import { sampleEmail, textOnlyEmail } from '../../../test/contracts/sample-email';
import { expectMime } from '../../../test/support/expect-mime';
import { answer } from '../../../test/support/provider-answer';
import type { OutboundEmail } from '../../domain/email';
import {
  readSesFailure,
  readSesMessageId,
  renderSesMime,
  sesAddress,
  sesErrorCode,
  sesNeedsRaw,
  sesTagText,
  toSesSendEmail,
  toSesTags,
} from './ses.mapper';

const plain = (overrides: Partial<OutboundEmail> = {}) =>
  sampleEmail({ headers: {}, attachments: [], ...overrides });

describe('toSesSendEmail', () => {
  it('sends a message without attachments or headers as Simple content', () => {
    expect(sesNeedsRaw(plain())).toBe(false);
    expect(toSesSendEmail(plain(), { configurationSet: 'transactional' })).toEqual({
      FromEmailAddress: 'Acme Support <support@acme.test>',
      Destination: {
        ToAddresses: ['Ann Lee <ann@example.com>', 'bob@example.com'],
        CcAddresses: ['Carol <carol@example.com>'],
        BccAddresses: ['dave@example.com'],
      },
      ReplyToAddresses: ['Help Desk <help@acme.test>'],
      Content: {
        Simple: {
          Subject: { Data: 'Your trip receipt \u2708 #42', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'Hi Ann', Charset: 'UTF-8' },
            Html: { Data: '<h1>Hi Ann</h1><img src="cid:logo">', Charset: 'UTF-8' },
          },
        },
      },
      EmailTags: [
        { Name: 'category', Value: 'receipt' },
        { Name: 'order', Value: '42' },
        { Name: 'tag_receipt', Value: 'true' },
        { Name: 'tag_nov', Value: 'true' },
        { Name: 'mailover_id', Value: '01JD0000000000000000000001' },
      ],
      ConfigurationSetName: 'transactional',
    });
  });

  it('leaves out empty lists, the missing reply-to and a missing body part', () => {
    const body = JSON.parse(JSON.stringify(toSesSendEmail(textOnlyEmail())));
    expect(body).toEqual({
      FromEmailAddress: 'Acme Support <support@acme.test>',
      Destination: { ToAddresses: ['Ann Lee <ann@example.com>', 'bob@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Your trip receipt \u2708 #42', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Hi Ann', Charset: 'UTF-8' } },
        },
      },
      EmailTags: [{ Name: 'mailover_id', Value: '01JD0000000000000000000001' }],
    });
  });

  it('refuses to drop attachments or headers silently when no MIME is given', () => {
    expect(sesNeedsRaw(sampleEmail())).toBe(true);
    expect(sesNeedsRaw(plain({ headers: { 'X-A': '1' } }))).toBe(true);
    expect(() => toSesSendEmail(sampleEmail())).toThrow('raw MIME');
  });

  it('sends raw MIME as base64 Raw content beside the envelope, with Bcc only in the Destination', async () => {
    const mime = await renderSesMime(sampleEmail());
    const body = toSesSendEmail(sampleEmail(), { rawMime: mime });
    expect(body.Content).toEqual({ Raw: { Data: mime.toString('base64') } });
    expect(body.ReplyToAddresses).toBeUndefined();
    expect(body.Destination.BccAddresses).toEqual(['dave@example.com']);

    await expectMime(mime, sampleEmail(), { bccHeader: false, mailoverHeaders: false });
    expect(
      mime
        .toString('utf8')
        .split(/\r?\n/)
        .every((line) => line.length <= 1000),
    ).toBe(true);
  });
});

describe('sesAddress', () => {
  it('RFC 2047-encodes a non-ASCII display name and keeps ASCII ones as they are', () => {
    expect(sesAddress({ email: 'ann@example.com', name: 'Ann Lee' })).toBe(
      'Ann Lee <ann@example.com>',
    );
    expect(sesAddress({ email: 'jose@example.com', name: 'José' })).toBe(
      '=?UTF-8?B?Sm9zw6k=?= <jose@example.com>',
    );
  });
});

describe('EmailTags', () => {
  it('replaces characters SES refuses and caps the length at 256', () => {
    expect(sesTagText('order id')).toBe('order_id');
    expect(sesTagText('café/ü')).toBe('caf___');
    expect(sesTagText('')).toBe('_');
    expect(sesTagText('x'.repeat(300))).toHaveLength(256);
  });

  it('lets mailover_id win over a metadata key of the same name and keeps it last', () => {
    expect(
      toSesTags(plain({ tags: [], metadata: { mailover_id: 'spoofed', 'a b': 'c.d' } })),
    ).toEqual([
      { Name: 'a_b', Value: 'c_d' },
      { Name: 'mailover_id', Value: '01JD0000000000000000000001' },
    ]);
  });
});

describe('readSesMessageId', () => {
  it('reads MessageId', () => {
    const id = '0100018c1a2b3c4d-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000';
    expect(readSesMessageId(answer(200, { MessageId: id }))).toBe(id);
  });

  it('answers undefined for a truncated body', () => {
    expect(readSesMessageId(answer(200, '{"MessageId":"0100'))).toBeUndefined();
  });
});

describe('sesErrorCode', () => {
  it('takes the part before ":" and after "#", from the header or the body', () => {
    const suffix = 'http://internal.amazon.com/coral/com.amazonaws.services.sesv2/';
    expect(sesErrorCode(answer(400, {}, { 'x-amzn-errortype': `MessageRejected:${suffix}` }))).toBe(
      'MessageRejected',
    );
    expect(
      sesErrorCode(answer(400, {}), { __type: 'com.amazonaws.sesv2#LimitExceededException' }),
    ).toBe('LimitExceededException');
    expect(sesErrorCode(answer(400, {}), { code: 'BadRequestException' })).toBe(
      'BadRequestException',
    );
    expect(sesErrorCode(answer(400, {}))).toBeUndefined();
  });
});

describe('readSesFailure', () => {
  const failure = (status: number, code: string, message = 'text') =>
    readSesFailure(
      answer(
        status,
        { message },
        { 'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/x/` },
      ),
    );

  it('quotes SES’s message and normalised code', () => {
    expect(failure(400, 'MessageRejected', 'Email address is not verified.')).toEqual({
      kind: 'permanent',
      message: 'Email address is not verified.',
      code: 'MessageRejected',
    });
  });

  it.each([
    [400, 'LimitExceededException', 'retryable'], // throttling despite the 400
    [429, 'TooManyRequestsException', 'retryable'],
    [400, 'ThrottlingException', 'retryable'],
    [400, 'MessageRejected', 'permanent'],
    [400, 'MailFromDomainNotVerifiedException', 'permanent'],
    [400, 'BadRequestException', 'permanent'],
    [400, 'AccountSuspendedException', 'provider'],
    [400, 'SendingPausedException', 'provider'],
    [404, 'NotFoundException', 'provider'], // unknown configuration set
    [403, 'UnrecognizedClientException', 'provider'],
    [403, 'InvalidSignatureException', 'provider'],
    [403, 'SignatureDoesNotMatch', 'provider'],
    [403, 'AccessDeniedException', 'provider'],
    [403, 'ExpiredTokenException', 'provider'],
    [500, 'InternalFailure', 'retryable'],
    [503, 'ServiceUnavailable', 'retryable'],
    [418, 'SomethingNew', 'permanent'], // unknown code: the status decides
  ])('reads HTTP %i %s as %s', (status, code, kind) => {
    expect(failure(status, code)).toMatchObject({ kind, code });
  });

  it('reads `Message` too, and falls back to the body or status without JSON', () => {
    expect(
      readSesFailure(
        answer(400, { Message: 'Capital M' }, { 'x-amzn-errortype': 'MessageRejected' }),
      ).message,
    ).toBe('Capital M');
    expect(readSesFailure(answer(502, '<html>Bad Gateway</html>'))).toEqual({
      kind: 'retryable',
      message: '<html>Bad Gateway</html>',
      code: undefined,
    });
  });
});
