import { BreakerConfig, type ProviderConfig } from '../config/config.schema';
import type { OutboundEmail } from '../domain/email';
import { ProviderError } from '../domain/provider-error';
import { ScriptedProvider } from '../../test/support/scripted-provider';
import { LaneUnavailableError, NO_SLOT, ProviderLane, type CircuitName } from './provider-lane';

const EMAIL = { id: 'e1' } as OutboundEmail;
const MARGIN = 500;

function lane(
  patch: Partial<ProviderConfig> = {},
  breaker: Partial<BreakerConfig> = {},
  transitions: CircuitName[] = [],
) {
  const provider = new ScriptedProvider('p');
  const config = { id: 'p', type: 'sandbox', timeoutMs: 1000, concurrency: 2, ...patch };
  const breakerConfig = Object.assign(new BreakerConfig(), {
    consecutiveFailures: 3,
    halfOpenAfterMs: 5000,
    ...breaker,
  });
  const l = new ProviderLane(provider, config as ProviderConfig, breakerConfig, {
    onCircuitChange: (c) => transitions.push(c),
  });
  return { lane: l, provider };
}

/** Lets the promise chains inside the lane run (no time passes). */
const settle = () => jest.advanceTimersByTimeAsync(0);

async function refusal(send: Promise<unknown>): Promise<string> {
  const e = await send.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (e instanceof LaneUnavailableError) return e.reason;
  if (e instanceof ProviderError) return `${e.kind}:${e.details.code ?? ''}`;
  throw new Error(`expected a refusal, got ${String(e)}`);
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('ProviderLane on a fake clock', () => {
  it('opens after N failures in a row, refuses without calling, probes once after the cool-down, and closes', async () => {
    const transitions: CircuitName[] = [];
    const { lane: l, provider } = lane({}, {}, transitions);
    provider.autoAnswer = (call) => call.fail('retryable', 'HTTP_503');
    for (let i = 0; i < 3; i++)
      expect(await refusal(l.send(EMAIL, 'k'))).toBe('retryable:HTTP_503');
    expect(l.circuit).toBe('open');
    expect(await refusal(l.send(EMAIL, 'k'))).toBe('circuit-open');
    expect(provider.calls).toHaveLength(3);

    await jest.advanceTimersByTimeAsync(4999);
    expect(await refusal(l.send(EMAIL, 'k'))).toBe('circuit-open');
    await jest.advanceTimersByTimeAsync(1);
    provider.autoAnswer = undefined;
    const probe = l.send(EMAIL, 'k');
    await settle();
    expect(l.circuit).toBe('half-open');
    // While the probe is out, other sends are refused at once rather than made to wait for it.
    expect(await refusal(l.send(EMAIL, 'k'))).toBe('circuit-open');
    expect(await refusal(l.send(EMAIL, 'k', { lastResort: true }))).toBe('circuit-open');
    provider.calls[3].succeed();
    await expect(probe).resolves.toEqual({ messageId: 'p-3' });
    expect(l.circuit).toBe('closed');
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
  });

  it('does not count a permanent failure against the provider', async () => {
    const { lane: l, provider } = lane();
    provider.autoAnswer = (call) => call.fail('permanent', 'BAD_RECIPIENT');
    for (let i = 0; i < 5; i++) await refusal(l.send(EMAIL, 'k'));
    expect(l.circuit).toBe('closed');
    expect(l.stats().recentOutcomes).toBe(0);
  });

  it('refuses at once when every slot is taken; a last resort waits for a slot within the same deadline', async () => {
    const { lane: l, provider } = lane({ concurrency: 2, timeoutMs: 1000 });
    const first = l.send(EMAIL, 'k');
    const second = l.send(EMAIL, 'k');
    await settle();
    expect(await refusal(l.send(EMAIL, 'k'))).toBe('saturated');

    const waiting = l.send(EMAIL, 'k', { lastResort: true });
    await jest.advanceTimersByTimeAsync(300);
    expect(provider.calls).toHaveLength(2);
    provider.calls[0].succeed();
    await first;
    await settle();
    // It got the freed slot 300 ms into its deadline: the adapter is told the same deadline.
    expect(provider.calls).toHaveLength(3);
    expect(provider.calls[2].ctx.deadline).toBe(Date.now() - 300 + 1000 + MARGIN);
    provider.calls[2].succeed('late');
    await expect(waiting).resolves.toEqual({ messageId: 'late' });
    provider.calls[1].succeed();
    await second;
  });

  it('fails a send that never got a slot before its deadline as retryable, and never calls the provider after it', async () => {
    const { lane: l, provider } = lane({ concurrency: 1, timeoutMs: 1000 });
    provider.ignoreAbort = true; // its one slot stays taken past every deadline
    const hung = refusal(l.send(EMAIL, 'k'));
    await settle();
    const waiting = l.send(EMAIL, 'k', { lastResort: true });
    const outcome = refusal(waiting);
    await jest.advanceTimersByTimeAsync(1000 + MARGIN);
    expect(await outcome).toBe(`retryable:${NO_SLOT}`);
    // The hung send ends by its own deadline (ambiguous) for the round; when its call finally
    // returns and frees the slot, nobody waiting is sent late.
    expect(await hung).toBe('ambiguous:TIMEOUT');
    await jest.advanceTimersByTimeAsync(10_000);
    provider.calls[0].succeed();
    await jest.advanceTimersByTimeAsync(0);
    expect(provider.calls).toHaveLength(1);
    // A send that never started is not the provider's failure.
    expect(l.stats().recentOutcomes).toBe(1);
  });

  it('ends a send in flight at its deadline as ambiguous, and aborts the adapter', async () => {
    const { lane: l, provider } = lane({ timeoutMs: 1000 });
    const send = refusal(l.send(EMAIL, 'k'));
    await settle();
    const signal = provider.calls[0].ctx.signal!;
    await jest.advanceTimersByTimeAsync(1000 + MARGIN - 1);
    expect(signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await send).toBe('ambiguous:TIMEOUT');
    expect(signal.aborted).toBe(true);
  });

  it('passes over a stuck provider within a few usual latencies, and takes it back when it answers', async () => {
    const { lane: l, provider } = lane(
      { concurrency: 100, timeoutMs: 2000 },
      { slowCallFactor: 4, slowCallMinMs: 50 },
    );
    for (let i = 0; i < 10; i++) {
      const sent = l.send(EMAIL, 'k');
      await jest.advanceTimersByTimeAsync(20);
      provider.calls[i].succeed();
      await sent;
    }
    // It hangs: the first send past 4 x 20 ms makes it suspect.
    const hung = l.send(EMAIL, 'k');
    await jest.advanceTimersByTimeAsync(79);
    const beforeSlow = l.send(EMAIL, 'k');
    await jest.advanceTimersByTimeAsync(1);
    expect(await refusal(l.send(EMAIL, 'k'))).toBe('suspect');
    expect(l.stats()).toMatchObject({ suspect: true, health: 'degraded', circuit: 'closed' });
    // As a last resort it is still tried.
    const lastResort = l.send(EMAIL, 'k', { lastResort: true });
    await settle();
    expect(provider.calls).toHaveLength(13);
    // It answers again: the last resort's success clears the suspicion.
    provider.calls[12].succeed();
    await lastResort;
    expect(l.stats().suspect).toBe(false);
    provider.calls[10].succeed();
    provider.calls[11].succeed();
    await Promise.all([hung, beforeSlow]);
  });

  it('reads as degraded when most recent sends fail, before the breaker opens', async () => {
    const { lane: l, provider } = lane({}, { consecutiveFailures: 50 });
    provider.autoAnswer = (call) => call.succeed();
    for (let i = 0; i < 4; i++) await l.send(EMAIL, 'k');
    expect(l.stats().health).toBe('up');
    provider.autoAnswer = (call) => call.fail('retryable', 'HTTP_500');
    for (let i = 0; i < 4; i++) await refusal(l.send(EMAIL, 'k'));
    expect(l.stats()).toMatchObject({ health: 'degraded', circuit: 'closed' });
  });
});
