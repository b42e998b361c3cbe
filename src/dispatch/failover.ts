import type { OutboundEmail } from '../domain/email';
import { ProviderError } from '../domain/provider-error';
import type { AttemptRecord } from '../domain/email-record';
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
 * where another send could duplicate it on a provider without idempotency keys.
 *
 * A provider that is busy (no free slot) or stuck is passed over at once rather than waited for.
 * When no provider of the route took the email, the round comes back to those passed over as a
 * last resort, busy ones first, waiting for a slot within the send's deadline. Every
 * provider called or skipped for a reason worth seeing (open circuit, stuck) is recorded as an
 * attempt, and a busy one when the round ends unsent; the error lists them all.
 */
export async function runRound(
  email: OutboundEmail,
  route: ProviderLane[],
  ambiguous: AmbiguousPolicy,
  now: () => Date = () => new Date(),
): Promise<RoundOutcome> {
  const attempts: AttemptRecord[] = [];
  const busy: AttemptRecord[] = [];
  const passedOver: { saturated: ProviderLane[]; suspect: ProviderLane[] } = {
    saturated: [],
    suspect: [],
  };
  let retryAfterMs = 0;
  const idempotencyKey = `mailover-${email.id}`;

  /** One try; answers the outcome that ends the round, or undefined to go on. */
  const attemptWith = async (
    lane: ProviderLane,
    lastResort: boolean,
  ): Promise<RoundOutcome | 'stop' | undefined> => {
    const started = Date.now();
    const at = now();
    try {
      const receipt = await lane.send(email, idempotencyKey, { lastResort });
      attempts.push(attempt(email.id, lane.id, 'sent', at, started));
      return {
        result: 'sent',
        providerId: lane.id,
        providerMessageId: receipt.messageId,
        attempts,
      };
    } catch (e) {
      if (e instanceof LaneUnavailableError) {
        const skip = {
          ...attempt(email.id, lane.id, 'skipped', at, started),
          errorCode: e.reason,
          error: e.message,
        };
        if (e.reason === 'saturated') {
          busy.push(skip);
          passedOver.saturated.push(lane);
        } else {
          attempts.push(skip);
          if (e.reason === 'suspect') passedOver.suspect.push(lane);
        }
        return undefined;
      }
      const error = e as ProviderError;
      attempts.push({
        ...attempt(email.id, lane.id, error.kind, at, started),
        providerStatus: error.details.status ?? null,
        errorCode: error.details.code ?? null,
        error:
          error.kind === 'ambiguous'
            ? `${error.message} (ambiguous; policy ${ambiguous})`
            : error.message,
      });
      retryAfterMs = Math.max(retryAfterMs, error.details.retryAfterMs ?? 0);
      if (error.kind === 'permanent')
        return { result: 'permanent', error: `${lane.id}: ${error.message}`, attempts };
      if (error.kind === 'ambiguous' && ambiguous === 'retry-same') return 'stop';
      return undefined;
    }
  };

  let stopped = false;
  for (const lane of route) {
    const ended = await attemptWith(lane, false);
    if (ended === 'stop') {
      stopped = true;
      break;
    }
    if (ended) return ended;
  }
  if (!stopped) {
    for (const lane of [...passedOver.saturated, ...passedOver.suspect]) {
      const ended = await attemptWith(lane, true);
      if (ended === 'stop') break;
      if (ended) return ended;
    }
  }
  attempts.push(...busy);
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
