import {
  BrokenCircuitError,
  BulkheadRejectedError,
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

export type CircuitName = 'closed' | 'open' | 'half-open';

/** Recent outcomes of one provider, for health and `GET /v1/providers`. */
export interface LaneStats {
  circuit: CircuitName;
  /** Share of successes among the last outcomes (null before any). */
  recentSuccessRate: number | null;
  recentOutcomes: number;
  /** The message is redacted of every configured credential; health shows only kind and time. */
  lastError: { kind: string; message: string; at: string } | null;
  lastSuccessAt: string | null;
}

/** A lane refused the send without calling the provider. */
export class LaneUnavailableError extends Error {
  constructor(readonly reason: 'circuit-open' | 'saturated') {
    super(reason === 'circuit-open' ? 'circuit open' : 'concurrency limit reached');
  }
}

const WINDOW = 100;

/**
 * One provider with its resilience policies, built once at startup (cockatiel): a consecutive
 * failure breaker that opens after N failures and lets one probe through after a cool-down, a
 * concurrency limit, and a timeout a little above the adapter's own. Only failures that say
 * something about the provider count against the breaker: a permanent failure is the message's.
 */
export class ProviderLane {
  readonly id: string;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly limit: BulkheadPolicy;
  private readonly deadline: TimeoutPolicy;
  private readonly outcomes: boolean[] = [];
  private lastError: LaneStats['lastError'] = null;
  private lastSuccessAt: string | null = null;

  constructor(
    readonly provider: EmailProvider,
    readonly config: ProviderConfig,
    breakerConfig: BreakerConfig,
    private readonly redactor: Redactor = new Redactor([]),
  ) {
    this.id = provider.id;
    this.breaker = circuitBreaker(
      handleWhen((e) => e instanceof ProviderError && e.kind !== 'permanent'),
      {
        halfOpenAfter: breakerConfig.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breakerConfig.consecutiveFailures),
      },
    );
    // Sends beyond the provider's concurrency wait for a slot rather than being refused: the
    // worker's own concurrency (dispatch.concurrency) already bounds how many can wait.
    this.limit = bulkhead(config.concurrency, Number.MAX_SAFE_INTEGER);
    // Aborts only on timeout: an adapter has finished its request when it returns or throws, and
    // aborting a spent signal on every send costs an exception object each time.
    this.deadline = timeout(config.timeoutMs + 1000, {
      strategy: TimeoutStrategy.Aggressive,
      abortOnReturn: false,
    });
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
   * Sends through the policies. An open circuit (or a full queue) refuses at once with
   * `LaneUnavailableError` and the provider is not called; once the cool-down has passed, the
   * next send is the probe that closes the circuit again.
   */
  async send(email: OutboundEmail, idempotencyKey: string): Promise<SendReceipt> {
    try {
      const receipt = await this.breaker.execute(() =>
        this.limit.execute(() =>
          this.deadline
            .execute(({ signal }) => this.provider.send(email, { signal, idempotencyKey }))
            .catch((e) => {
              if (e instanceof TaskCancelledError) {
                throw new ProviderError(
                  this.id,
                  'ambiguous',
                  `no answer within ${this.config.timeoutMs + 1000} ms`,
                  { code: 'TIMEOUT' },
                );
              }
              throw e;
            }),
        ),
      );
      this.record(true);
      this.lastSuccessAt = new Date().toISOString();
      return receipt;
    } catch (e) {
      if (e instanceof BrokenCircuitError) throw new LaneUnavailableError('circuit-open');
      if (e instanceof BulkheadRejectedError) throw new LaneUnavailableError('saturated');
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
      if (error.kind !== 'permanent') this.record(false);
      this.lastError = { kind: error.kind, message: error.message, at: new Date().toISOString() };
      throw error;
    }
  }

  stats(): LaneStats {
    const successes = this.outcomes.filter(Boolean).length;
    return {
      circuit: this.circuit,
      recentSuccessRate: this.outcomes.length ? successes / this.outcomes.length : null,
      recentOutcomes: this.outcomes.length,
      lastError: this.lastError,
      lastSuccessAt: this.lastSuccessAt,
    };
  }

  private record(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > WINDOW) this.outcomes.shift();
  }
}
