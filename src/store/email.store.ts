import type { OutboundEmail } from '../domain/email';
import type { AttemptRecord, EmailRecord, EmailStatus, QueueStats } from '../domain/email-record';
import type { NewWebhookDelivery } from './webhook-deliveries.store';

// The records live in the domain (the API and metrics read them too); re-exported for the store's users.
export type {
  AttemptOutcome,
  AttemptRecord,
  EmailRecord,
  EmailStatus,
  QueueStats,
} from '../domain/email-record';
export { FINAL_STATUSES } from '../domain/email-record';

export interface NewEmail {
  id: string;
  /** The tenant of the key that sends it. */
  tenant: string;
  message: OutboundEmail;
  providers: string[] | null;
  sendAt: Date | null;
  /** `sendAt` or now. */
  dueAt: Date;
  status: 'queued' | 'scheduled';
  createdAt: Date;
  /**
   * Stored already claimed by this worker (status sending, round 1), for a process that starts
   * its round at once instead of claiming it on the next poll. `status` is still what the
   * client is told (and what an idempotent replay answers).
   */
  lease?: { owner: string; until: Date };
}

export interface IdempotencyClaim {
  /** The caller's tenant, so two applications' keys never collide. */
  scope: string;
  key: string;
  /** SHA-256 of the request (method, path, body): the same key with another body is refused. */
  requestHash: string;
}

/**
 * A signed request's nonce to record in the same transaction as the email it sends (one commit
 * for both): see NonceStore.recordedWithWrites.
 */
export interface NonceClaim {
  keyId: string;
  nonce: string;
  /** From the signed timestamp: the same signed request always has the same. */
  expiresAt: Date;
}

export type CreateResult =
  | { kind: 'created'; email: EmailRecord }
  /** The nonce given with it was already recorded: the signed request is a replay; nothing stored. */
  | { kind: 'nonce-taken' }
  /** The key was seen with the same request: the email it created, as it is now. */
  | { kind: 'replayed'; email: EmailRecord; originalStatus: 'queued' | 'scheduled' }
  /** The key was seen with another request. */
  | { kind: 'mismatch' };

export interface EmailFilter {
  /** Only this tenant's emails; undefined: every tenant's (admin keys). */
  tenant?: string;
  status?: EmailStatus;
  /** Any of to, cc or bcc, case-insensitive exact address. */
  recipient?: string;
  /** The provider that sent it. */
  provider?: string;
  tag?: string;
  /** createdAt >= since */
  since?: Date;
  /** createdAt < until */
  until?: Date;
  /** Return emails with ids below this one (ids sort by time): the previous page's last id. */
  before?: string;
  limit: number;
}

/** How one round ends: the worker's outcome, stored with its attempts in one transaction. */
export type RoundResult =
  | { status: 'sent'; providerId: string; providerMessageId: string }
  | { status: 'failed'; error: string }
  | { status: 'rescheduled'; dueAt: Date; error: string };

/**
 * The durable store: emails, their attempts, idempotency keys and provider switches.
 * Two implementations (SQLite, PostgreSQL) share one Kysely query layer and one contract suite.
 * Every write that answers a client is durable when its promise resolves.
 */
export interface EmailStore {
  /** Applies pending versioned migrations. */
  migrate(): Promise<void>;
  /** True when every known migration is applied (readiness). */
  isMigrated(): Promise<boolean>;
  /** A cheap round trip (readiness). */
  ping(): Promise<void>;

  /**
   * Stores a new email (and its idempotency key and its request's nonce, in the same
   * transaction). Concurrent calls share commits (group commit). With a nonce already recorded:
   * nothing stored (`nonce-taken`). With a key already seen: the first email, or a mismatch.
   */
  create(
    email: NewEmail,
    idempotency?: IdempotencyClaim,
    nonce?: NonceClaim,
  ): Promise<CreateResult>;
  get(id: string): Promise<EmailRecord | undefined>;
  attempts(id: string): Promise<AttemptRecord[]>;
  /** Newest first. */
  list(filter: EmailFilter): Promise<EmailRecord[]>;
  /**
   * queued/scheduled -> cancelled. Answers the record after the change, `undefined` when there
   * is no such email (in `tenant`, when given), or the unchanged record when its status does
   * not allow cancelling.
   */
  cancel(id: string, now: Date, tenant?: string): Promise<EmailRecord | undefined>;

  /**
   * Takes up to `limit` emails that are due (queued or scheduled with dueAt <= now) or whose
   * lease expired (sending with leaseUntil < now): marks them `sending`, leased to `owner`
   * until now + leaseMs, rounds + 1. Two workers never take the same email.
   */
  claimDue(owner: string, now: Date, leaseMs: number, limit: number): Promise<EmailRecord[]>;
  /**
   * Ends a round: records the attempts and the result, only if `owner` still holds the lease
   * (answers false otherwise and changes nothing). Concurrent calls share commits. `deliveries`
   * (the application's webhooks about this result) are stored in the same transaction.
   */
  finishRound(
    id: string,
    owner: string,
    result: RoundResult,
    attempts: AttemptRecord[],
    now: Date,
    deliveries?: readonly NewWebhookDelivery[],
  ): Promise<boolean>;
  /** Gives leased emails back (graceful shutdown): sending -> queued, due now. */
  release(ids: string[], owner: string, now: Date): Promise<void>;
  /**
   * The heartbeat of a live worker: extends the leases `owner` still holds on these emails to
   * `until`. Answers how many it still held.
   */
  renewLeases(ids: string[], owner: string, until: Date): Promise<number>;
  /**
   * Takes back every leased email whatever its owner: sending -> queued, due now. Only for a
   * store that one process owns alone (SQLite), at start, when every lease is a dead
   * predecessor's. Answers how many.
   */
  recoverLeases(now: Date): Promise<number>;
  /** What waits in the outbox (metrics). */
  queueStats(now: Date): Promise<QueueStats>;
  /** The earliest dueAt among queued/scheduled emails, to sleep until then. */
  nextDueAt(): Promise<Date | undefined>;

  /** Operator switches that survive restarts. */
  disabledProviders(): Promise<Set<string>>;
  setProviderDisabled(providerId: string, disabled: boolean, now: Date): Promise<void>;

  /**
   * Records a signed request's nonce for the key with its expiry (which comes from the signed
   * timestamp) unless that signed request is already there; true when it is new. Durable when it
   * resolves (through the group commit), seen by every instance.
   */
  claimNonce(keyId: string, nonce: string, expiresAt: Date): Promise<boolean>;
  /** Forgets nonces that expired before `before`; answers how many. */
  purgeNonces(before: Date): Promise<number>;

  /** Forgets idempotency keys created before `before`; answers how many. */
  purgeIdempotencyKeys(before: Date): Promise<number>;
  close(): Promise<void>;
}

/** The injection token for the store (two implementations). */
export const EMAIL_STORE = Symbol('EMAIL_STORE');
