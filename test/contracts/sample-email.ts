import type { OutboundEmail } from '../../src/domain/email';

/** 1x1 transparent PNG, for the inline image. */
export const PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
export const RECEIPT_BYTES = Buffer.from(
  '%PDF-1.4\n% a receipt\n\u00e9\u0000\u00ff binary bytes',
  'latin1',
);

/** One message that uses every field of the model, so a contract test sees each reach the wire. */
export function sampleEmail(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  return {
    id: '01JD0000000000000000000001',
    from: { email: 'support@acme.test', name: 'Acme Support' },
    to: [{ email: 'ann@example.com', name: 'Ann Lee' }, { email: 'bob@example.com' }],
    cc: [{ email: 'carol@example.com', name: 'Carol' }],
    bcc: [{ email: 'dave@example.com' }],
    replyTo: { email: 'help@acme.test', name: 'Help Desk' },
    subject: 'Your trip receipt \u2708 #42',
    html: '<h1>Hi Ann</h1><img src="cid:logo">',
    text: 'Hi Ann',
    headers: { 'X-Campaign': 'nov' },
    attachments: [
      { filename: 'receipt.pdf', contentType: 'application/pdf', content: RECEIPT_BYTES },
      { filename: 'logo.png', contentType: 'image/png', content: PIXEL_PNG, contentId: 'logo' },
    ],
    tags: ['receipt', 'nov'],
    metadata: { category: 'receipt', order: '42' },
    ...overrides,
  };
}

/** The sample with only what every message has: from, to, subject and text. */
export function textOnlyEmail(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  return sampleEmail({
    cc: [],
    bcc: [],
    replyTo: undefined,
    html: undefined,
    headers: {},
    attachments: [],
    tags: [],
    metadata: {},
    ...overrides,
  });
}
