/**
 * When a round found no provider that would take the email: the delay before the next round,
 * exponential with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), never
 * shorter than what a provider asked for with Retry-After.
 */
export function retryDelayMs(
  round: number,
  baseMs: number,
  maxMs: number,
  retryAfterMs = 0,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * Math.pow(2, Math.max(0, round - 1)));
  return Math.max(Math.round(random() * ceiling), Math.min(retryAfterMs, maxMs));
}
