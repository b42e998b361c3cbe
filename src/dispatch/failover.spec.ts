import { BreakerConfig, type ProviderConfig } from '../config/config.schema';
import type { OutboundEmail } from '../domain/email';
import { ScriptedProvider } from '../../test/support/scripted-provider';
import { runRound } from './failover';
import { ProviderLane } from './provider-lane';

const EMAIL = { id: 'e1' } as OutboundEmail;

function lanes(...specs: Array<{ id: string; concurrency?: number }>) {
  const breaker = Object.assign(new BreakerConfig(), { consecutiveFailures: 3 });
  return specs.map(({ id, concurrency = 10 }) => {
    const provider = new ScriptedProvider(id);
    const config = { id, type: 'sandbox', timeoutMs: 1000, concurrency } as ProviderConfig;
    return { provider, lane: new ProviderLane(provider, config, breaker) };
  });
}

const outcomes = (r: Awaited<ReturnType<typeof runRound>>) =>
  r.attempts.map((a) => `${a.providerId}:${a.outcome}${a.errorCode ? `:${a.errorCode}` : ''}`);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('runRound on a fake clock', () => {
  it('moves past retryable and provider failures, stops at a permanent one', async () => {
    const [a, b, c] = lanes({ id: 'a' }, { id: 'b' }, { id: 'c' });
    a.provider.autoAnswer = (call) => call.fail('retryable', 'HTTP_503');
    b.provider.autoAnswer = (call) => call.fail('provider', 'HTTP_401');
    c.provider.autoAnswer = (call) => call.fail('permanent', 'BAD_RECIPIENT');
    const round = await runRound(EMAIL, [a.lane, b.lane, c.lane], 'failover');
    expect(round.result).toBe('permanent');
    expect(outcomes(round)).toEqual([
      'a:retryable:HTTP_503',
      'b:provider:HTTP_401',
      'c:permanent:BAD_RECIPIENT',
    ]);
  });

  it('keeps the largest Retry-After of the round when nobody took it', async () => {
    const [a, b] = lanes({ id: 'a' }, { id: 'b' });
    a.provider.autoAnswer = (call) => call.fail('retryable', 'HTTP_429', 30_000);
    b.provider.autoAnswer = (call) => call.fail('retryable', 'HTTP_429', 5_000);
    const round = await runRound(EMAIL, [a.lane, b.lane], 'failover');
    expect(round).toMatchObject({ result: 'retry', retryAfterMs: 30_000 });
  });

  it('ends the round after an ambiguous outcome under retry-same, and moves on under failover', async () => {
    for (const [policy, expected] of [
      ['retry-same', ['a:ambiguous:TIMEOUT']],
      ['failover', ['a:ambiguous:TIMEOUT', 'b:sent']],
    ] as const) {
      const [a, b] = lanes({ id: 'a' }, { id: 'b' });
      b.provider.autoAnswer = (call) => call.succeed();
      const round = runRound(EMAIL, [a.lane, b.lane], policy);
      await jest.advanceTimersByTimeAsync(1500);
      expect(outcomes(await round)).toEqual(expected);
    }
  });

  it('never queues behind a busy provider: the email goes to the next one at once', async () => {
    const [a, b] = lanes({ id: 'a', concurrency: 1 }, { id: 'b' });
    const busy = runRound(EMAIL, [a.lane, b.lane], 'failover');
    await jest.advanceTimersByTimeAsync(0);
    b.provider.autoAnswer = (call) => call.succeed();
    const round = await runRound(EMAIL, [a.lane, b.lane], 'failover');
    // A busy skip is not worth an attempt record once another provider took the email.
    expect(outcomes(round)).toEqual(['b:sent']);
    a.provider.calls[0].succeed();
    expect((await busy).result).toBe('sent');
  });

  it('comes back to a busy provider as a last resort when no other would take the email', async () => {
    const [a, b] = lanes({ id: 'a', concurrency: 1 }, { id: 'b' });
    b.provider.autoAnswer = (call) => call.fail('retryable', 'HTTP_500');
    const first = runRound(EMAIL, [a.lane], 'failover');
    await jest.advanceTimersByTimeAsync(0);
    const second = runRound(EMAIL, [a.lane, b.lane], 'failover');
    await jest.advanceTimersByTimeAsync(200);
    a.provider.calls[0].succeed();
    await first;
    await jest.advanceTimersByTimeAsync(0);
    a.provider.calls[1].succeed('via-last-resort');
    const round = await second;
    expect(round).toMatchObject({
      result: 'sent',
      providerId: 'a',
      providerMessageId: 'via-last-resort',
    });
    expect(outcomes(round)).toEqual(['b:retryable:HTTP_500', 'a:sent']);
  });

  it('records a busy skip when the round ends unsent, with the retryable deadline failure', async () => {
    const [a] = lanes({ id: 'a', concurrency: 1 });
    a.provider.ignoreAbort = true;
    const hung = runRound(EMAIL, [a.lane], 'failover');
    await jest.advanceTimersByTimeAsync(0);
    const waiting = runRound(EMAIL, [a.lane], 'failover');
    await jest.advanceTimersByTimeAsync(1500);
    expect(outcomes(await waiting)).toEqual(['a:retryable:NO_SLOT', 'a:skipped:saturated']);
    expect(outcomes(await hung)).toEqual(['a:ambiguous:TIMEOUT']);
  });

  it('skips a stuck provider and records why', async () => {
    const [a, b] = lanes({ id: 'a', concurrency: 50 }, { id: 'b' });
    b.provider.autoAnswer = (call) => call.succeed();
    // a answers 20 ms for a while...
    for (let i = 0; i < 5; i++) {
      const r = runRound(EMAIL, [a.lane, b.lane], 'failover');
      await jest.advanceTimersByTimeAsync(20);
      a.provider.calls[i].succeed();
      await r;
    }
    // ...then stops answering.
    const stuck = runRound(EMAIL, [a.lane, b.lane], 'failover');
    await jest.advanceTimersByTimeAsync(100);
    const round = await runRound(EMAIL, [a.lane, b.lane], 'failover');
    expect(outcomes(round)).toEqual(['a:skipped:suspect', 'b:sent']);
    await jest.advanceTimersByTimeAsync(1500);
    expect(outcomes(await stuck)).toEqual(['a:ambiguous:TIMEOUT', 'b:sent']);
  });
});
