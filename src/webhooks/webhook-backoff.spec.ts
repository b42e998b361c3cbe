import { webhookRetryAt } from './webhook-backoff';

describe('webhookRetryAt', () => {
  const DAY = 24 * 3600_000;
  const at = (attempt: number, random: number, now = 0) =>
    webhookRetryAt(attempt, now, DAY, 5000, 3600_000, () => random);

  it('doubles the ceiling each attempt, waiting between half of it and all of it', () => {
    expect([1, 2, 3, 4].map((n) => at(n, 0))).toEqual([2500, 5000, 10_000, 20_000]);
    expect([1, 2, 3, 4].map((n) => at(n, 1))).toEqual([5000, 10_000, 20_000, 40_000]);
  });

  it('never waits more than the maximum', () => {
    expect(at(30, 1)).toBe(3600_000);
    expect(at(30, 0)).toBe(1800_000);
  });

  it('retries last at the deadline itself, and gives up once it is reached', () => {
    expect(at(30, 1, DAY - 1000)).toBe(DAY);
    expect(at(30, 1, DAY)).toBeUndefined();
    expect(at(1, 0, DAY + 1)).toBeUndefined();
  });

  it('keeps retrying over the whole maximum age', () => {
    let now = 0;
    let attempts = 0;
    for (;;) {
      attempts++;
      const next = webhookRetryAt(attempts, now, DAY, 5000, 3600_000, Math.random);
      if (next === undefined) break;
      expect(next).toBeGreaterThan(now);
      now = next;
    }
    expect(now).toBe(DAY);
    expect(attempts).toBeGreaterThan(24);
  });
});
