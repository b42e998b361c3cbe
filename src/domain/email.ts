/** A mailbox: an address with an optional display name. */
export interface Address {
  email: string;
  name?: string;
}

/** An attachment is bytes, never a path or URL. `contentId` makes it an inline part (`cid:`). */
export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId?: string;
}

/**
 * The framework-free message every provider adapter maps onto its own wire format.
 * `id` is Mailover's own id; adapters send it through the provider's metadata channel
 * (as `mailover_id`) so webhooks can be correlated even without the provider's message id.
 */
export interface OutboundEmail {
  id: string;
  from: Address;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo?: Address;
  subject: string;
  html?: string;
  text?: string;
  headers: Record<string, string>;
  attachments: Attachment[];
  tags: string[];
  metadata: Record<string, string>;
}

/** The metadata key under which adapters send Mailover's id. */
export const MAILOVER_ID_KEY = 'mailover_id';

/** `Name <addr>` with the name quoted when RFC 5322 needs it; the bare address when there is no name. */
export function formatAddress(address: Address): string {
  if (!address.name) return address.email;
  const needsQuotes = /[^\w !#$%&'*+/=?^`{|}~-]/.test(address.name);
  const name = needsQuotes ? `"${address.name.replace(/(["\\])/g, '\\$1')}"` : address.name;
  return `${name} <${address.email}>`;
}

/** Every recipient of a message (to, cc and bcc). */
export function allRecipients(email: OutboundEmail): Address[] {
  return [...email.to, ...email.cc, ...email.bcc];
}
