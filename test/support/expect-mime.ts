import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { OutboundEmail } from '../../src/domain/email';

export interface MimeExpectations {
  /**
   * Whether a Bcc header is expected: only in a file nobody sends (the sandbox's .eml). Sent mail
   * names Bcc recipients in the envelope only.
   */
  bccHeader: boolean;
  /** Whether metadata and tags travel as X-Mailover-Metadata and X-Mailover-Tags headers. */
  mailoverHeaders: boolean;
}

const addresses = (a?: AddressObject | AddressObject[]) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) =>
    o.value.map((v) => ({ email: v.address, name: v.name || undefined })),
  );

/** MIME puts inline parts where it likes: compare attachments in name order. */
const byName = (x: { filename?: string }, y: { filename?: string }) =>
  String(x.filename).localeCompare(String(y.filename));

/**
 * Asserts that a rendered MIME message carries every field of `email`: addresses, subject,
 * bodies, headers, the mailover id and every attachment with its bytes and content id. Returns
 * the parsed message for a caller's own checks.
 */
export async function expectMime(
  raw: Buffer,
  email: OutboundEmail,
  { bccHeader, mailoverHeaders }: MimeExpectations,
): Promise<ParsedMail> {
  const parsed = await simpleParser(raw, { keepCidLinks: true });
  expect(addresses(parsed.from)).toEqual([email.from]);
  expect(addresses(parsed.to)).toEqual(email.to);
  expect(addresses(parsed.cc)).toEqual(email.cc);
  if (bccHeader) {
    expect(addresses(parsed.bcc)).toEqual(email.bcc);
  } else {
    expect(parsed.bcc).toBeUndefined();
    expect(raw.toString('latin1')).not.toMatch(/^bcc:/im);
    const headerBlock = raw.toString('latin1').split('\r\n\r\n')[0];
    for (const b of email.bcc) expect(headerBlock).not.toContain(b.email);
  }
  expect(addresses(parsed.replyTo)).toEqual(email.replyTo ? [email.replyTo] : []);
  expect(parsed.subject).toBe(email.subject);
  expect(parsed.html || undefined).toBe(email.html);
  expect(parsed.text?.trim()).toBe(email.text);
  for (const [name, value] of Object.entries(email.headers)) {
    expect(parsed.headers.get(name.toLowerCase())).toBe(value);
  }
  expect(parsed.headers.get('x-mailover-id')).toBe(email.id);
  if (mailoverHeaders) {
    expect(JSON.parse(String(parsed.headers.get('x-mailover-metadata')))).toEqual({
      ...email.metadata,
      mailover_id: email.id,
    });
    expect(parsed.headers.get('x-mailover-tags')).toBe(
      email.tags.length ? email.tags.join(', ') : undefined,
    );
  }
  expect(
    parsed.attachments
      .map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        cid: a.cid,
        bytes: a.content.toString('hex'),
      }))
      .sort(byName),
  ).toEqual(
    email.attachments
      .map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        cid: a.contentId,
        bytes: a.content.toString('hex'),
      }))
      .sort(byName),
  );
  return parsed;
}
