import type { AttemptOutcome, EmailStatus } from '../domain/email-record';

/**
 * The tables as Kysely sees them. Times are epoch milliseconds in a bigint column on both
 * dialects (the PostgreSQL pool parses int8 to number), JSON is text, booleans are 0/1.
 */
export interface EmailsTable {
  id: string;
  /** The tenant of the key that created it ('' before tenancy: admin keys only). */
  tenant: string;
  status: EmailStatus;
  /** OutboundEmail as JSON, attachment bytes as base64. */
  message: string;
  /** JSON array of provider ids, or null. */
  providers: string | null;
  send_at: number | null;
  due_at: number;
  created_at: number;
  updated_at: number;
  rounds: number;
  provider_id: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
}

/** to, cc and bcc addresses, lower-cased, once per email. */
export interface EmailRecipientsTable {
  address: string;
  email_id: string;
}

export interface EmailTagsTable {
  tag: string;
  email_id: string;
}

export interface AttemptsTable {
  email_id: string;
  /** The email's `rounds` when the round ended. */
  round: number;
  /** Position within the round. */
  seq: number;
  provider_id: string;
  outcome: AttemptOutcome;
  provider_status: number | null;
  error_code: string | null;
  error: string | null;
  duration_ms: number;
  at: number;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  email_id: string;
  original_status: 'queued' | 'scheduled';
  created_at: number;
}

export interface ProviderSwitchesTable {
  provider_id: string;
  disabled: number;
  updated_at: number;
}

/** Nonces of signed requests, until `expires_at` (epoch ms). */
export interface NoncesTable {
  expires_at: number;
  key_id: string;
  nonce: string;
}

/** A verified provider webhook delivery, as received (the raw payload), until processed and purged. */
export interface ProviderDeliveriesTable {
  id: string;
  provider_id: string;
  dedupe_key: string;
  body: string;
  received_at: number;
  processed_at: number | null;
}

/** One normalized provider event (src/domain/events.ts). */
export interface EventsTable {
  id: string;
  provider_id: string;
  event_key: string;
  email_id: string | null;
  tenant: string | null;
  type: string;
  bounce: string | null;
  recipient: string;
  provider_event_id: string | null;
  occurred_at: number;
  received_at: number;
  reason: string | null;
  url: string | null;
  user_agent: string | null;
  delivery_id: string | null;
}

/** Addresses (lower-cased) no provider is asked to send to. */
export interface SuppressionsTable {
  address: string;
  reason: string;
  event_id: string | null;
  provider_id: string | null;
  created_at: number;
}

export interface StoreTables {
  emails: EmailsTable;
  email_recipients: EmailRecipientsTable;
  email_tags: EmailTagsTable;
  attempts: AttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  provider_switches: ProviderSwitchesTable;
  nonces: NoncesTable;
  provider_deliveries: ProviderDeliveriesTable;
  events: EventsTable;
  suppressions: SuppressionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

/** One event for one application endpoint (Standard Webhooks), until it is answered 2xx or given up. */
export interface WebhookDeliveriesTable {
  /** `msg_` + a ULID: the `webhook-id` header, the same on every attempt. */
  id: string;
  endpoint_id: string;
  /** `email.sent`, `email.failed`, ... */
  type: string;
  email_id: string | null;
  tenant: string;
  /** The exact JSON body every attempt sends (and signs). */
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** When it may next be tried; while leased, when the lease ends. */
  due_at: number;
  created_at: number;
  updated_at: number;
  /** The worker that claimed it last (pending and due_at in the future: in flight there). */
  lease_owner: string | null;
  last_status: number | null;
  last_error: string | null;
}

/** One POST of one delivery. */
export interface WebhookAttemptsTable {
  delivery_id: string;
  /** 1 for the first attempt. */
  seq: number;
  at: number;
  duration_ms: number;
  /** The endpoint's HTTP status, or null when none came (timeout, refused). */
  status_code: number | null;
  error: string | null;
}
