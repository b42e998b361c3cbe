import type { OutboundEmail } from '../domain/email';
import { ProviderError } from '../domain/provider-error';
import type { AttemptRecord } from '../store/email.store';
import { LaneUnavailableError, type ProviderLane } from './provider-lane';

export type RoundOutcome =
  | { result: 'sent'; providerId: string; providerMessageId: string; attempts: AttemptRecord[] }
  /** No provider will take this message: do not try again. */
  | { result: 'permanent'; error: string; attempts: AttemptRecord[] }
  /** Nobody took it this round: try again later (not before `retryAfterMs`). */
  | { result: 'retry'; error: string; retryAfterMs: number; attempts: AttemptRecord[] };

export type AmbiguousPolicy = 'failover' | 'retry-same';

/**
 * One round of failover: tries each provider of the route in order. Retryable and provider-level
 * failures move on to the next provider; a permanent failure ends the email; an ambiguous one
 * either moves on (`failover`) or ends the round so the email is retried later (`retry-same`),
 * where another send could duplicate it on a provider without idempotency keys. Every provider
 * called (or skipped) is recorded as an attempt; the error lists them all.
 */
export async function runRound(
  email: OutboundEmail,
  route: ProviderLane[],
  ambiguous: AmbiguousPolicy,
  now: () => Date = () => new Date(),
): Promise<RoundOutcome> {
  const attempts: AttemptRecord[] = [];
  let retryAfterMs = 0;
  const idempotencyKey = `mailover-${email.id}`;
  for (const lane of route) {
    const started = Date.now();
    const at = now();
    try {
      const receipt = await lane.send(email, idempotencyKey);
      attempts.push(attempt(email.id, lane.id, 'sent', at, started));
      return {
        result: 'sent',
        providerId: lane.id,
        providerMessageId: receipt.messageId,
        attempts,
      };
    } catch (e) {
      if (e instanceof LaneUnavailableError) {
        attempts.push({
          ...attempt(email.id, lane.id, 'skipped', at, started),
          errorCode: e.reason,
          error: e.message,
        });
        continue;
      }
      const error = e as ProviderError;
      const record = {
        ...attempt(email.id, lane.id, error.kind, at, started),
        providerStatus: error.details.status ?? null,
        errorCode: error.details.code ?? null,
        error:
          error.kind === 'ambiguous'
            ? `${error.message} (ambiguous; policy ${ambiguous})`
            : error.message,
      };
      attempts.push(record);
      retryAfterMs = Math.max(retryAfterMs, error.details.retryAfterMs ?? 0);
      if (error.kind === 'permanent')
        return { result: 'permanent', error: `${lane.id}: ${error.message}`, attempts };
      if (error.kind === 'ambiguous' && ambiguous === 'retry-same') break;
    }
  }
  const summary = attempts.length
    ? attempts
        .map((a) => `${a.providerId}: ${a.outcome}${a.error ? ` (${a.error})` : ''}`)
        .join('; ')
    : 'no provider is enabled for this email';
  return { result: 'retry', error: summary, retryAfterMs, attempts };
}

function attempt(
  emailId: string,
  providerId: string,
  outcome: AttemptRecord['outcome'],
  at: Date,
  started: number,
): AttemptRecord {
  return {
    emailId,
    providerId,
    outcome,
    providerStatus: null,
    errorCode: null,
    error: null,
    durationMs: Date.now() - started,
    at,
  };
}
