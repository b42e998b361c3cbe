/** Mailover's one event vocabulary, whatever provider reported the event (issue 11). */
export const EVENT_TYPES = [
  'queued',
  'sent',
  'delivered',
  'deferred',
  'bounced',
  'rejected',
  'failed',
  'complained',
  'unsubscribed',
  'opened',
  'clicked',
  'suppressed',
  'unknown',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type BounceKind = 'hard' | 'soft';

/** Why an address is on the suppression list. */
export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * One event as a provider's mapper reads it from a verified payload, before it is matched to an
 * email: the provider's ids that find our email, and the normalized fields.
 */
export interface ProviderEvent {
  type: EventType;
  bounce?: BounceKind;
  /** The recipient address the event is about ('' when the payload names none). */
  recipient: string;
  /** The provider's id of this event (the dedupe key), or a hash of the event when it has none. */
  eventKey: string;
  /** The provider's own event id, when it has one. */
  providerEventId?: string;
  /** The provider's message id as sent back at send time (normalized by the mapper). */
  providerMessageId?: string;
  /** `mailover_id` from the provider's metadata channel. */
  mailoverId?: string;
  occurredAt: Date;
  reason?: string;
  url?: string;
  userAgent?: string;
}

/** The suppression reason an event puts its recipient on the list for, if any. */
export function suppressionReasonOf(
  event: Pick<ProviderEvent, 'type' | 'bounce'>,
): SuppressionReason | undefined {
  if (event.type === 'bounced' && event.bounce === 'hard') return 'hard_bounce';
  if (event.type === 'complained') return 'complaint';
  if (event.type === 'unsubscribed') return 'unsubscribe';
  return undefined;
}

/** Addresses are compared case-insensitively: the list and lookups use this form. */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** A verified body that does not parse as the provider's payload: answered 400. */
export class WebhookPayloadError extends Error {}

/** One normalized provider event, as stored and shown (`GET /v1/events`). */
export interface EventRecord {
  id: string;
  /** The email it is about; null when no email matched (admin keys only). */
  emailId: string | null;
  /** The matched email's tenant; null when unmatched. */
  tenant: string | null;
  type: EventType;
  bounce?: BounceKind;
  recipient: string;
  providerId: string;
  providerEventId?: string;
  occurredAt: Date;
  receivedAt: Date;
  reason?: string;
  url?: string;
  userAgent?: string;
}
