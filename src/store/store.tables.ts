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
  key_id: string;
  nonce: string;
  expires_at: number;
}

export interface StoreTables {
  emails: EmailsTable;
  email_recipients: EmailRecipientsTable;
  email_tags: EmailTagsTable;
  attempts: AttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  provider_switches: ProviderSwitchesTable;
  nonces: NoncesTable;
}
