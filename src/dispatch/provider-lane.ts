import {
  BrokenCircuitError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import type { BreakerConfig, ProviderConfig } from '../config/config.schema';
import type { OutboundEmail } from '../domain/email';
import type { EmailProvider, SendReceipt } from '../domain/provider';
import { ProviderError } from '../domain/provider-error';
import { Redactor } from '../domain/redact';
import { StuckDetector } from './stuck-detector';

export type CircuitName = 'closed' | 'open' | 'half-open';

/** Recent outcomes of one provider, for health and `GET /v1/providers`. */
export interface LaneStats {
  circuit: CircuitName;
  /**
   * `down`: its circuit is open; `degraded`: it looks stuck, or at least half of its last
   * outcomes (of at least DEGRADED_MIN_OUTCOMES) failed before enough failures in a row opened
   * the circuit; `up` otherwise.
   */
  health: 'up' | 'degraded' | 'down';
  /** Its sends in flight have stopped answering (see StuckDetector): new sends go elsewhere. */
  suspect: boolean;
  /** Share of successes among the last outcomes (null before any). */
  recentSuccessRate: number | null;
  recentOutcomes: number;
  /** The message is redacted of every configured credential; health shows only kind and time. */
  lastError: { kind: string; message: string; at: string } | null;
  lastSuccessAt: string | null;
}

/** Why a lane refused a send without calling the provider. */
export type UnavailableReason = 'circuit-open' | 'saturated' | 'suspect';

/** A lane refused the send without calling the provider. */
export class LaneUnavailableError extends Error {
  constructor(readonly reason: UnavailableReason) {
    super(
      reason === 'circuit-open'
        ? 'circuit open'
        : reason === 'saturated'
          ? 'concurrency limit reached'
          : 'provider not answering (sends in flight far beyond its usual latency)',
    );
  }
}

export interface LaneOptions {
  /** Told every change of the circuit (metrics, logs). */
  onCircuitChange?: (circuit: CircuitName) => void;
  /** Cleans the provider's error text of our credentials. */
  redactor?: Redactor;
  /** The clock (tests pass a fake one). */
  now?: () => number;
}

export interface LaneSendOptions {
  /**
   * Wait for a free slot (within the same deadline as the send) instead of refusing at once,
   * and send even while the provider is suspect: the round's last resort.
   */
  lastResort?: boolean;
}

const WINDOW = 100;
/** The recent outcomes judged for `degraded`: few enough to show a new outage within seconds. */
const DEGRADED_WINDOW = 20;
const DEGRADED_MIN_OUTCOMES = 4;
/**
 * The lane's deadline runs this much past the provider's `timeoutMs`: the adapter's own timeout,
 * counted from when its request leaves, normally ends a slow send first and classifies it; the
 * lane's also covers the wait for a slot and for the HTTP thread, and nothing leaves after it.
 */
const DEADLINE_MARGIN_MS = 500;
/** The code of an attempt that never got a slot before its deadline: nothing was sent. */
export const NO_SLOT = 'NO_SLOT';

/**
 * One provider with its resilience policies, built once at startup (cockatiel): a consecutive
 * failure breaker that opens after N failures and lets one probe through after a cool-down, a
 * concurrency limit, and one deadline (`timeoutMs`) that covers both the wait for a slot and the
 * send. A send never queues behind a busy or stuck provider unless it is the round's last resort:
 * it is refused at once (`LaneUnavailableError`) and the round moves on. Only failures that say
 * something about the provider count against the breaker: a permanent failure is the message's,
 * and a send that never got a slot never reached it.
 */
export class ProviderLane {
  readonly id: string;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly limit: BulkheadPolicy;
  private readonly deadline: TimeoutPolicy;
  private readonly stuck: StuckDetector;
  private readonly now: () => number;
  private readonly redactor: Redactor;
  private readonly outcomes: boolean[] = [];
  private lastError: LaneStats['lastError'] = null;
  private lastSuccessAt: string | null = null;

  constructor(
    readonly provider: EmailProvider,
    readonly config: ProviderConfig,
    breakerConfig: BreakerConfig,
    options: LaneOptions = {},
  ) {
    this.id = provider.id;
    this.now = options.now ?? Date.now;
    this.redactor = options.redactor ?? new Redactor([]);
    const onCircuitChange = options.onCircuitChange;
    this.breaker = circuitBreaker(
      handleWhen(
        (e) => e instanceof ProviderError && e.kind !== 'permanent' && e.details.code !== NO_SLOT,
      ),
      {
        halfOpenAfter: breakerConfig.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breakerConfig.consecutiveFailures),
      },
    );
    if (onCircuitChange) this.breaker.onStateChange(() => onCircuitChange(this.circuit));
    this.limit = bulkhead(config.concurrency, Number.MAX_SAFE_INTEGER);
    this.deadline = timeout(config.timeoutMs + DEADLINE_MARGIN_MS, {
      strategy: TimeoutStrategy.Aggressive,
      abortOnReturn: false,
    });
    this.stuck = new StuckDetector(
      {
        slowCallFactor: breakerConfig.slowCallFactor,
        slowCallMinMs: breakerConfig.slowCallMinMs,
        slowCallMaxMs: config.timeoutMs,
      },
      this.now,
    );
  }

  get circuit(): CircuitName {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  /**
   * Sends through the policies. An open circuit, a stuck provider or a full lane refuses at once
   * with `LaneUnavailableError` and the provider is not called (a last resort waits for a slot
   * instead, and ignores suspicion). Once the circuit's cool-down has passed, the next send is
   * the probe that closes it again. The deadline is handed to the adapter (`SendContext`) so that
   * a request that could not leave before it never leaves.
   */
  async send(
    email: OutboundEmail,
    idempotencyKey: string,
    options: LaneSendOptions = {},
  ): Promise<SendReceipt> {
    // Half-open: the one probe is in flight, and cockatiel would make this send wait for it.
    if (this.breaker.state === CircuitState.HalfOpen)
      throw new LaneUnavailableError('circuit-open');
    if (!options.lastResort) {
      if (this.stuck.suspect()) throw new LaneUnavailableError('suspect');
      if (this.limit.executionSlots === 0) throw new LaneUnavailableError('saturated');
    }
    const deadlineAt = this.now() + this.config.timeoutMs + DEADLINE_MARGIN_MS;
    let started = false;
    try {
      const receipt = await this.breaker.execute(() =>
        this.deadline
          .execute(({ signal }) =>
            this.limit.execute(async ({ signal: slotSignal }) => {
              // A slot that frees at the deadline is no use: nothing may leave after it.
              if (this.now() >= deadlineAt) throw this.timedOut(false);
              started = true;
              const token = this.stuck.started();
              try {
                const sent = await this.provider.send(email, {
                  signal: slotSignal,
                  idempotencyKey,
                  deadline: deadlineAt,
                });
                this.stuck.ended(token, true);
                return sent;
              } catch (e) {
                this.stuck.ended(token, false);
                throw e;
              }
            }, signal),
          )
          .catch((e) => {
            if (e instanceof TaskCancelledError) throw this.timedOut(started);
            throw e;
          }),
      );
      this.record(true);
      this.lastSuccessAt = new Date(this.now()).toISOString();
      return receipt;
    } catch (e) {
      if (e instanceof BrokenCircuitError) throw new LaneUnavailableError('circuit-open');
      // Provider text can echo our request (an Authorization header): redacted before anything
      // stores, logs or shows it.
      const error =
        e instanceof ProviderError
          ? new ProviderError(e.providerId, e.kind, this.redactor.redact(e.message), {
              ...e.details,
              code: this.redactor.redact(e.details.code),
            })
          : new ProviderError(
              this.id,
              'ambiguous',
              this.redactor.redact(`adapter error: ${(e as Error)?.message ?? String(e)}`),
            );
      if (error.kind !== 'permanent' && error.details.code !== NO_SLOT) this.record(false);
      this.lastError = {
        kind: error.kind,
        message: error.message,
        at: new Date(this.now()).toISOString(),
      };
      throw error;
    }
  }

  stats(): LaneStats {
    const successes = this.outcomes.filter(Boolean).length;
    const recent = this.outcomes.slice(-DEGRADED_WINDOW);
    const recentFailures = recent.filter((ok) => !ok).length;
    const circuit = this.circuit;
    const suspect = this.stuck.suspect();
    return {
      circuit,
      health:
        circuit === 'open'
          ? 'down'
          : suspect ||
              (recent.length >= DEGRADED_MIN_OUTCOMES && recentFailures * 2 >= recent.length)
            ? 'degraded'
            : 'up',
      suspect,
      recentSuccessRate: this.outcomes.length ? successes / this.outcomes.length : null,
      recentOutcomes: this.outcomes.length,
      lastError: this.lastError,
      lastSuccessAt: this.lastSuccessAt,
    };
  }

  /** The deadline passed: before the send began nothing left (retryable); after, it may have. */
  private timedOut(started: boolean): ProviderError {
    return started
      ? new ProviderError(
          this.id,
          'ambiguous',
          `no answer within ${this.config.timeoutMs + DEADLINE_MARGIN_MS} ms`,
          { code: 'TIMEOUT' },
        )
      : new ProviderError(
          this.id,
          'retryable',
          `no free slot within ${this.config.timeoutMs + DEADLINE_MARGIN_MS} ms (nothing was sent)`,
          { code: NO_SLOT },
        );
  }

  private record(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > WINDOW) this.outcomes.shift();
  }
}
