import type { EventType, SuppressionReason } from '../domain/events';

export type { EventRecord } from '../domain/events';
import type { EventRecord } from '../domain/events';

export interface NewEvent extends EventRecord {
  /** Unique per provider: a provider's retry of the same event is stored once. */
  eventKey: string;
  /** The delivery (raw payload) it came from. */
  deliveryId?: string;
}

/** A verified webhook delivery, stored before it is answered 200. */
export interface NewDelivery {
  id: string;
  providerId: string;
  /** The provider's key of this delivery (token, message id, batch id, or a hash). */
  dedupeKey: string;
  /** The raw body as received. */
  body: string;
  receivedAt: Date;
}

export interface PendingDelivery {
  id: string;
  providerId: string;
  body: string;
  receivedAt: Date;
}

export interface EventFilter {
  /** Only this tenant's events; undefined: every event, unmatched ones too (admin keys). */
  tenant?: string;
  type?: EventType;
  /** Case-insensitive exact address. */
  recipient?: string;
  emailId?: string;
  providerId?: string;
  /** occurredAt >= since */
  since?: Date;
  /** occurredAt < until */
  until?: Date;
  /** Events with ids below this one (the previous page's last id). */
  before?: string;
  limit: number;
}

export interface SuppressionRecord {
  /** Lower-cased. */
  address: string;
  reason: SuppressionReason;
  /** The event that put it there (none for `manual`). */
  eventId: string | null;
  providerId: string | null;
  createdAt: Date;
}

export interface SuppressionFilter {
  address?: string;
  reason?: SuppressionReason;
  /** Addresses after this one (the previous page's last address). */
  after?: string;
  limit: number;
}

/**
 * Provider events, their raw deliveries and the suppression list, on the same database as the
 * emails (SQLite or PostgreSQL, one Kysely query layer, one contract suite).
 */
export interface EventStore {
  /** Stores a verified delivery durably; false when the provider sent this one before. */
  saveDelivery(delivery: NewDelivery): Promise<boolean>;
  /** Deliveries not yet turned into events, oldest first. */
  pendingDeliveries(limit: number): Promise<PendingDelivery[]>;
  markProcessed(ids: string[], at: Date): Promise<void>;
  /** Forgets processed deliveries (raw payloads) received before `before`; answers how many. */
  purgeDeliveries(before: Date): Promise<number>;

  /**
   * The emails a provider's events are about, found in one pass: by the provider's message ids
   * (that provider's emails only) and by Mailover ids (`mailover_id`).
   */
  matchEmails(
    providerId: string,
    providerMessageIds: string[],
    mailoverIds: string[],
  ): Promise<EmailMatches>;
  /** Stores events; answers those that were new (a repeated `eventKey` is skipped). */
  addEvents(events: NewEvent[]): Promise<EventRecord[]>;
  /** The events of one email, oldest first. */
  eventsOf(emailId: string): Promise<EventRecord[]>;
  /** Newest first. */
  listEvents(filter: EventFilter): Promise<EventRecord[]>;

  /** The listed ones among these addresses (any case). */
  suppressionsOf(addresses: string[]): Promise<SuppressionRecord[]>;
  /** Lists an address; an address already listed keeps its entry unless `replace`. */
  suppress(entry: SuppressionRecord, replace?: boolean): Promise<void>;
  /** Takes an address off the list; false when it was not on it. */
  unsuppress(address: string): Promise<boolean>;
  listSuppressions(filter: SuppressionFilter): Promise<SuppressionRecord[]>;
}

/** Emails by the keys a batch of events carries. */
export interface EmailMatches {
  byProviderMessageId: Map<string, { id: string; tenant: string }>;
  byId: Map<string, { id: string; tenant: string }>;
}

/** The injection token for the event store. */
export const EVENT_STORE = Symbol('EVENT_STORE');
