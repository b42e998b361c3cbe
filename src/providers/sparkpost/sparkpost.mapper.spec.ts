import {
  PIXEL_PNG,
  RECEIPT_BYTES,
  sampleEmail,
  textOnlyEmail,
} from '../../../test/contracts/sample-email';
import { answer } from '../../../test/support/provider-answer';
import {
  readSparkpostFailure,
  readSparkpostMessageId,
  sparkpostTransmissionsPath,
  toSparkpostTransmission,
} from './sparkpost.mapper';

describe('toSparkpostTransmission', () => {
  it('maps every field, emulating Cc and Bcc with header_to and a CC header', () => {
    const toHeader = 'Ann Lee <ann@example.com>, bob@example.com';
    // Template syntax goes out as written, and a named Bcc copy loses its name like Cc does.
    const email = sampleEmail({
      subject: 'Receipt {{order}}',
      bcc: [{ email: 'dave@example.com', name: 'Dave' }],
    });
    expect(toSparkpostTransmission(email)).toEqual({
      options: { perform_substitutions: false },
      metadata: { category: 'receipt', order: '42', mailover_id: '01JD0000000000000000000001' },
      recipients: [
        {
          address: { email: 'ann@example.com', name: 'Ann Lee', header_to: toHeader },
          tags: ['receipt', 'nov'],
        },
        { address: { email: 'bob@example.com', header_to: toHeader }, tags: ['receipt', 'nov'] },
        { address: { email: 'carol@example.com', header_to: toHeader }, tags: ['receipt', 'nov'] },
        { address: { email: 'dave@example.com', header_to: toHeader }, tags: ['receipt', 'nov'] },
      ],
      content: {
        from: { email: 'support@acme.test', name: 'Acme Support' },
        subject: 'Receipt {{order}}',
        reply_to: 'Help Desk <help@acme.test>',
        text: 'Hi Ann',
        html: '<h1>Hi Ann</h1><img src="cid:logo">',
        headers: { 'X-Campaign': 'nov', CC: 'Carol <carol@example.com>' },
        attachments: [
          { name: 'receipt.pdf', type: 'application/pdf', data: RECEIPT_BYTES.toString('base64') },
        ],
        inline_images: [{ name: 'logo', type: 'image/png', data: PIXEL_PNG.toString('base64') }],
      },
    });
  });

  it('lets SparkPost build the To header from the address when there is one To and no copies', () => {
    const body = JSON.parse(
      JSON.stringify(
        toSparkpostTransmission(textOnlyEmail({ to: [{ email: 'ann@example.com' }] })),
      ),
    );
    expect(body).toEqual({
      options: { perform_substitutions: false },
      metadata: { mailover_id: '01JD0000000000000000000001' },
      recipients: [{ address: { email: 'ann@example.com' } }],
      content: {
        from: { email: 'support@acme.test', name: 'Acme Support' },
        subject: 'Your trip receipt \u2708 #42',
        text: 'Hi Ann',
      },
    });
  });

  it('keeps the To recipient bare but gives a Bcc copy the To header', () => {
    const body = toSparkpostTransmission(
      sampleEmail({ to: [{ email: 'ann@example.com', name: 'Ann' }], cc: [] }),
    );
    expect(body.recipients.map((r) => r.address)).toEqual([
      { email: 'ann@example.com', name: 'Ann' },
      { email: 'dave@example.com', header_to: 'Ann <ann@example.com>' },
    ]);
    expect(body.content.headers).toEqual({ 'X-Campaign': 'nov' });
  });
});

describe('sparkpostTransmissionsPath', () => {
  it('appends /api/v1 to a bare host and not to a base that has it', () => {
    expect(sparkpostTransmissionsPath('https://api.eu.sparkpost.com')).toBe(
      '/api/v1/transmissions',
    );
    expect(sparkpostTransmissionsPath('https://api.eu.sparkpost.com/api/v1')).toBe(
      '/transmissions',
    );
  });
});

describe('readSparkpostMessageId', () => {
  it('reads results.id', () => {
    const ok = {
      results: {
        total_rejected_recipients: 0,
        total_accepted_recipients: 1,
        id: '11668787484950529',
      },
    };
    expect(readSparkpostMessageId(answer(200, ok))).toBe('11668787484950529');
  });

  it('reads it from a partial success too', () => {
    const partial = {
      errors: [{ message: 'transmission created, but with validation errors', code: '2000' }],
      results: {
        rcpt_to_errors: [],
        total_rejected_recipients: 1,
        total_accepted_recipients: 1,
        id: '11668787484950530',
      },
    };
    expect(readSparkpostMessageId(answer(200, partial))).toBe('11668787484950530');
  });

  it('answers undefined for HTML or a body without results', () => {
    expect(readSparkpostMessageId(answer(200, '<html>502 Bad Gateway</html>'))).toBeUndefined();
    expect(readSparkpostMessageId(answer(200, { results: {} }))).toBeUndefined();
  });
});

describe('readSparkpostFailure', () => {
  const failure = (status: number, code?: string, message = 'text', description?: string) =>
    readSparkpostFailure(answer(status, { errors: [{ message, description, code }] }));

  it('quotes message and description and keeps the string code', () => {
    expect(
      failure(400, '7001', 'Invalid domain', 'Unconfigured or unverified sending domain.'),
    ).toEqual({
      kind: 'permanent',
      message: 'Invalid domain: Unconfigured or unverified sending domain.',
      code: '7001',
    });
  });

  it.each([
    [420, '2101', 'retryable'], // hourly limit: retry after the window
    [420, '2102', 'retryable'], // daily limit
    [420, '2103', 'provider'], // sandbox lifetime limit: waiting never helps
    [420, undefined, 'retryable'],
    [401, undefined, 'provider'], // invalid key
    [401, '1304', 'provider'],
    [403, '1100', 'provider'], // key lacks permission
    [400, '1502', 'retryable'], // server resources unavailable
    [503, '1900', 'retryable'],
    [400, '1902', 'permanent'], // suppressed recipient
    [400, '7000', 'permanent'], // domain blacklisted
    [422, '1400', 'permanent'], // required field missing
    [422, '1603', 'permanent'], // template not found
    [413, undefined, 'permanent'],
    [429, undefined, 'retryable'],
    [500, '1500', 'retryable'],
  ])('reads HTTP %i code %s as %s', (status, code, kind) => {
    expect(failure(status, code)).toMatchObject({ kind, code });
  });

  it('falls back to the raw body when it is not SparkPost JSON', () => {
    expect(readSparkpostFailure(answer(502, '<html> Bad   Gateway </html>'))).toEqual({
      kind: 'retryable',
      message: '<html> Bad Gateway </html>',
      code: undefined,
    });
  });
});
