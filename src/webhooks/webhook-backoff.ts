/**
 * When a delivery is due again after its `attempt`-th failure: exponential with equal jitter
 * (half the ceiling, plus up to the other half at random; AWS Architecture Blog, "Exponential
 * Backoff And Jitter"), so a receiver that just failed is never asked again at once. The last
 * retry is at `deadline` itself: retries cover the whole maximum age. Answers undefined once
 * `now` has reached the deadline: give up.
 */
export function webhookRetryAt(
  attempt: number,
  nowMs: number,
  deadlineMs: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number | undefined {
  if (nowMs >= deadlineMs) return undefined;
  const ceiling = Math.min(maxMs, baseMs * Math.pow(2, Math.max(0, attempt - 1)));
  const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.min(nowMs + delay, deadlineMs);
}
