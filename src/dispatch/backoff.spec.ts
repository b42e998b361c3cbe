import { retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it('grows exponentially up to the maximum, with full jitter', () => {
    expect(retryDelayMs(1, 1000, 60_000, 0, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, 0, () => 1)).toBe(8000);
    expect(retryDelayMs(20, 1000, 60_000, 0, () => 1)).toBe(60_000);
    expect(retryDelayMs(4, 1000, 60_000, 0, () => 0.5)).toBe(4000);
    expect(retryDelayMs(4, 1000, 60_000, 0, () => 0)).toBe(0);
  });

  it('never retries before Retry-After (capped at the maximum)', () => {
    expect(retryDelayMs(1, 1000, 60_000, 30_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(1, 1000, 60_000, 600_000, () => 0)).toBe(60_000);
  });
});
