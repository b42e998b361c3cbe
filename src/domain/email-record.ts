import type { OutboundEmail } from './email';
import type { FailureKind } from './provider-error';

/*
 * What an email's life looks like once stored: the records the store keeps and the API, the
 * worker and metrics read. Persistence (src/store) writes them; nothing here knows how.
 */

export type EmailStatus = 'queued' | 'scheduled' | 'sending' | 'sent' | 'failed' | 'cancelled';
export const FINAL_STATUSES: ReadonlySet<EmailStatus> = new Set(['sent', 'failed', 'cancelled']);

/** One stored email and where it is in its life. */
export interface EmailRecord {
  id: string;
  /** The tenant of the key that created it. */
  tenant: string;
  status: EmailStatus;
  message: OutboundEmail;
  /** Restricts the route to these provider ids (from the request), or null for all. */
  providers: string[] | null;
  /** The time the client asked for, or null for "now". */
  sendAt: Date | null;
  /** When the worker may next pick it up. */
  dueAt: Date;
  createdAt: Date;
  updatedAt: Date;
  /** How many times the worker has taken it (every provider tried in one take counts once). */
  rounds: number;
  providerId: string | null;
  providerMessageId: string | null;
  /** Why it failed, or why the last round did not send it. */
  lastError: string | null;
  /** Set by `claimDue` when this claim took the email from a worker whose lease had expired. */
  leaseRecovered?: boolean;
}

/** What waits in the outbox, for metrics. */
export interface QueueStats {
  /** Emails by non-final status. */
  counts: Record<'queued' | 'scheduled' | 'sending', number>;
  /** The earliest dueAt among queued and scheduled emails that are due by now, if any. */
  oldestDueAt: Date | undefined;
}

export type AttemptOutcome = 'sent' | FailureKind | 'skipped';

/** One call to one provider. */
export interface AttemptRecord {
  emailId: string;
  providerId: string;
  outcome: AttemptOutcome;
  /** HTTP status or SMTP reply code. */
  providerStatus: number | null;
  /** The provider's error code and text (never a credential). */
  errorCode: string | null;
  error: string | null;
  durationMs: number;
  at: Date;
}
