import type { AttemptRecord } from '../domain/email-record';
import type { RoundOutcome } from './failover';
import { roundResult } from './round-result';

const POLICY = { backoffBaseMs: 1000, backoffMaxMs: 60_000, maxAgeMs: 3_600_000 };
const T0 = Date.UTC(2030, 0, 1);
const email = (rounds: number, createdAt = T0) => ({
  rounds,
  sendAt: null,
  createdAt: new Date(createdAt),
});
const retry = (retryAfterMs = 0): RoundOutcome => ({
  result: 'retry',
  error: 'a: retryable',
  retryAfterMs,
  attempts: [] as AttemptRecord[],
});

describe('roundResult', () => {
  it('stores a sent round with its provider and message id, and a permanent failure as failed', () => {
    expect(
      roundResult(
        { result: 'sent', providerId: 'a', providerMessageId: 'm', attempts: [] },
        email(1),
        POLICY,
        T0,
      ),
    ).toEqual({ status: 'sent', providerId: 'a', providerMessageId: 'm' });
    expect(
      roundResult({ result: 'permanent', error: 'a: bad', attempts: [] }, email(1), POLICY, T0),
    ).toEqual({ status: 'failed', error: 'a: bad' });
  });

  it('backs off exponentially with full jitter', () => {
    const at = (rounds: number, random: number) =>
      (roundResult(retry(), email(rounds), POLICY, T0, () => random) as { dueAt: Date }).dueAt;
    expect(at(1, 1).getTime() - T0).toBe(1000);
    expect(at(3, 1).getTime() - T0).toBe(4000);
    expect(at(3, 0.5).getTime() - T0).toBe(2000);
    expect(at(20, 1).getTime() - T0).toBe(60_000);
  });

  it('never retries before a provider’s Retry-After', () => {
    const result = roundResult(retry(45_000), email(1), POLICY, T0, () => 0);
    expect(result).toMatchObject({ status: 'rescheduled', dueAt: new Date(T0 + 45_000) });
  });

  it('gives up once the next round would pass the maximum age', () => {
    const old = email(7, T0 - POLICY.maxAgeMs + 30_000);
    expect(roundResult(retry(), old, POLICY, T0, () => 0.4)).toMatchObject({
      status: 'rescheduled',
    });
    expect(roundResult(retry(), old, POLICY, T0, () => 0.6)).toEqual({
      status: 'failed',
      error: 'gave up after 7 rounds: a: retryable',
    });
  });
});
