/** How a lane tells a stuck provider from a slow one. */
export interface StuckPolicy {
  /** A send is slow once it runs this many times the provider's usual latency... */
  slowCallFactor: number;
  /** ...but never below this, ... */
  slowCallMinMs: number;
  /** ...nor above this (the provider's timeout). */
  slowCallMaxMs: number;
}

/** Weight of the newest success in the usual latency (an exponentially weighted mean). */
const EWMA_WEIGHT = 0.1;
/**
 * Before a provider's first success its usual latency is unknown, and a cold start (new
 * connections, TLS) looks like a hang: a send is slow only after this long (or the timeout).
 */
export const COLD_SLOW_MS = 1000;

/**
 * Notices a stuck provider within a few of its usual latencies instead of after several timeouts:
 * the provider is suspect while one of its sends has run longer than `slowCallFactor` times its
 * usual latency (bounded by `slowCallMinMs` and `slowCallMaxMs`; COLD_SLOW_MS before the first
 * success) and no send has succeeded for about that long either. A provider that is merely slower still completes sends, so it is never
 * suspect for long; one whose every send hangs is suspect from its first slow send on.
 * Time comes from `now`, so tests run it on a fake clock.
 */
export class StuckDetector {
  /** Start times of the sends in flight, oldest first (a Map keeps insertion order). */
  private readonly inFlight = new Map<number, number>();
  private nextToken = 0;
  private usualMs: number | undefined;
  private lastSuccessAt = -Infinity;

  constructor(
    private readonly policy: StuckPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** The age past which a send in flight counts as slow. */
  get slowAfterMs(): number {
    const { slowCallFactor, slowCallMinMs, slowCallMaxMs } = this.policy;
    const relative = this.usualMs === undefined ? COLD_SLOW_MS : this.usualMs * slowCallFactor;
    return Math.min(slowCallMaxMs, Math.max(slowCallMinMs, relative));
  }

  /** A send begins; pass the token to `ended`. */
  started(): number {
    const token = ++this.nextToken;
    this.inFlight.set(token, this.now());
    return token;
  }

  /** A send ended; only successes teach the usual latency. */
  ended(token: number, ok: boolean): void {
    const startedAt = this.inFlight.get(token);
    if (startedAt === undefined) return;
    this.inFlight.delete(token);
    if (!ok) return;
    const tookMs = this.now() - startedAt;
    this.usualMs =
      this.usualMs === undefined ? tookMs : this.usualMs + EWMA_WEIGHT * (tookMs - this.usualMs);
    this.lastSuccessAt = this.now();
  }

  /**
   * True while the oldest send in flight is slow and no send has succeeded for about as long
   * (the slow bound less one usual latency): the provider has stopped answering. (A busy provider answering in order still completes sends all
   * the time, however old its oldest send in flight.)
   */
  suspect(): boolean {
    const slowAfter = this.slowAfterMs;
    const now = this.now();
    // Quiet for as long as a slow send runs beyond a usual one: the answers have stopped.
    if (now - this.lastSuccessAt < slowAfter - Math.min(this.usualMs ?? 0, slowAfter / 2))
      return false;
    for (const startedAt of this.inFlight.values()) {
      // The oldest send decides: if it is not slow, none is.
      return now - startedAt >= slowAfter;
    }
    return false;
  }

  /** Sends in flight now. */
  get running(): number {
    return this.inFlight.size;
  }
}
