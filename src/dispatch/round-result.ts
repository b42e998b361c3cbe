import type { EmailRecord, RoundResult } from '../store/email.store';
import { retryDelayMs } from './backoff';
import type { RoundOutcome } from './failover';

export interface RetryPolicy {
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Give up this long after the email was due. */
  maxAgeMs: number;
}

/**
 * What a round's outcome means for the email: sent, failed for good, or due again after a backoff
 * (never before a provider's Retry-After), unless that would pass its maximum age.
 */
export function roundResult(
  outcome: RoundOutcome,
  email: Pick<EmailRecord, 'rounds' | 'sendAt' | 'createdAt'>,
  policy: RetryPolicy,
  nowMs: number,
  random: () => number = Math.random,
): RoundResult {
  if (outcome.result === 'sent') {
    return {
      status: 'sent',
      providerId: outcome.providerId,
      providerMessageId: outcome.providerMessageId,
    };
  }
  if (outcome.result === 'permanent') return { status: 'failed', error: outcome.error };
  const dueAtMs =
    nowMs +
    retryDelayMs(
      email.rounds,
      policy.backoffBaseMs,
      policy.backoffMaxMs,
      outcome.retryAfterMs,
      random,
    );
  const deadline = (email.sendAt ?? email.createdAt).getTime() + policy.maxAgeMs;
  return dueAtMs > deadline
    ? { status: 'failed', error: `gave up after ${email.rounds} rounds: ${outcome.error}` }
    : { status: 'rescheduled', dueAt: new Date(dueAtMs), error: outcome.error };
}
