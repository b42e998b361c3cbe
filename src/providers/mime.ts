import type Mail from 'nodemailer/lib/mailer';
import { MAILOVER_ID_KEY, type Address, type OutboundEmail } from '../domain/email';

const toNodemailer = (a: Address) => ({ address: a.email, name: a.name ?? '' });

/**
 * The message as nodemailer mail options, shared by the SMTP and sandbox adapters.
 * Tags and metadata travel as X-Mailover-* headers, since SMTP has no other channel.
 */
export function toMailOptions(email: OutboundEmail): Mail.Options {
  const headers: Record<string, string | { prepared: boolean; value: string }> = {
    ...email.headers,
    'X-Mailover-Id': email.id,
  };
  if (email.tags.length) headers['X-Mailover-Tags'] = email.tags.join(', ');
  const metadata = { ...email.metadata, [MAILOVER_ID_KEY]: email.id };
  // ASCII JSON, passed as prepared so that it is not MIME-encoded into an unreadable word.
  headers['X-Mailover-Metadata'] = { prepared: true, value: asciiJson(metadata) };
  return {
    from: toNodemailer(email.from),
    to: email.to.map(toNodemailer),
    cc: email.cc.map(toNodemailer),
    bcc: email.bcc.map(toNodemailer),
    replyTo: email.replyTo ? toNodemailer(email.replyTo) : undefined,
    subject: email.subject,
    text: email.text,
    html: email.html,
    headers,
    attachments: email.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      cid: a.contentId,
      contentDisposition: a.contentId ? ('inline' as const) : ('attachment' as const),
    })),
  };
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
