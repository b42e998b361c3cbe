/**
 * The request body every benchmark sends: a realistic transactional email (a receipt) whose JSON
 * is exactly 1024 bytes, so the figures are "per 1 KB request".
 */
export const BODY_BYTES = 1024;

/** Fills the text part up to 1 KB the way real receipts fill it: with a footer. */
const FOOTER =
  'You are receiving this email because you placed an order at acme.test. Acme Ltd, 1 Market ' +
  'Street, Springfield, registered in England and Wales (company no. 01234567), VAT GB123456789. ' +
  'Manage your email preferences at https://acme.test/account/notifications. Our privacy notice ' +
  'explains how we use your data: https://acme.test/privacy. Please do not share this receipt.';

function receipt(padding: number, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    ...extra,
    from: 'Acme Billing <billing@acme.test>',
    to: ['Ann Lee <ann.lee@example.com>'],
    replyTo: 'support@acme.test',
    subject: 'Your receipt for order #48213',
    html:
      '<p>Hi Ann,</p><p>Thanks for your order #48213 placed on 14 November. ' +
      'We have received your payment of <b>EUR 42.90</b> (Visa ending 4242).</p>' +
      '<table><tr><td>Walnut desk organiser</td><td>EUR 34.90</td></tr>' +
      '<tr><td>Shipping</td><td>EUR 8.00</td></tr></table>' +
      '<p>Questions? Just reply to this email.</p><p>The Acme team</p>',
    text:
      'Hi Ann, thanks for your order #48213 placed on 14 November. We have received your ' +
      'payment of EUR 42.90 (Visa ending 4242). Walnut desk organiser EUR 34.90, shipping ' +
      'EUR 8.00. Questions? Just reply to this email. The Acme team\n\n' +
      FOOTER.slice(0, padding),
    tags: ['receipt'],
    metadata: { orderId: '48213', customerId: 'cus_7Hq2LmX9' },
  };
}

/** The body as sent: UTF-8 JSON, exactly BODY_BYTES long (`extra` fields included, e.g. sendAt). */
export function emailBody(extra: Record<string, unknown> = {}): string {
  const unpadded = Buffer.byteLength(JSON.stringify(receipt(0, extra)));
  if (unpadded > BODY_BYTES) throw new Error(`the sample email is already ${unpadded} bytes`);
  const body = JSON.stringify(receipt(BODY_BYTES - unpadded, extra));
  if (Buffer.byteLength(body) !== BODY_BYTES) throw new Error('the sample email is not 1 KB');
  return body;
}
