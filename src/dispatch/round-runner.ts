import { Inject, Injectable, Logger } from '@nestjs/common';
import { DispatchConfig } from '../config/config.schema';
import { MetricsService } from '../metrics/metrics.service';
import {
  EMAIL_STORE,
  type AttemptRecord,
  type EmailRecord,
  type EmailStore,
} from '../store/email.store';
import { runRound } from './failover';
import { OutboxSignals } from './outbox-signals';
import { ProviderRoster } from './provider-roster.service';
import { AppWebhooks } from '../webhooks/app-webhooks.service';
import { roundResult } from './round-result';
import { SuppressionGate } from './suppression-gate';

/** At most one warning a second per provider for failed attempts; the rest are counted in the next. */
const ATTEMPT_WARN_INTERVAL_MS = 1000;

/**
 * Runs one failover round for a claimed email and turns its outcome into a stored result (with
 * every attempt, and the application's webhooks about it), metrics, log lines and the `final`
 * signal.
 */
@Injectable()
export class RoundRunner {
  private readonly logger = new Logger('Dispatch');
  private readonly warned = new Map<string, { at: number; suppressed: number }>();

  constructor(
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    private readonly roster: ProviderRoster,
    private readonly config: DispatchConfig,
    private readonly signals: OutboxSignals,
    private readonly metrics: MetricsService,
    private readonly webhooks: AppWebhooks,
    private readonly suppression: SuppressionGate,
  ) {}

  /** Runs the round and stores it; answers false when the lease was lost before it was stored. */
  async run(email: EmailRecord, owner: string): Promise<boolean> {
    const message = await this.suppression.filter(email);
    if (!message) return this.failSuppressed(email, owner);
    const outcome = await runRound(
      message,
      this.roster.route(email.providers),
      this.config.ambiguous,
    );
    const now = new Date();
    const result = roundResult(outcome, email, this.config, now.getTime());
    // The application's webhooks about this result commit with it.
    const deliveries = this.webhooks.forRound(email, result, now);
    const stored = await this.store.finishRound(
      email.id,
      owner,
      result,
      outcome.attempts,
      now,
      deliveries,
    );
    if (!stored) {
      this.logger.warn({ emailId: email.id }, 'lease lost before the round was stored');
      return false;
    }
    if (deliveries.length > 0) this.webhooks.enqueued();
    this.metrics.recordRound(outcome.attempts, result.status);
    this.warnFailedAttempts(email.id, outcome.attempts);
    if (result.status !== 'rescheduled') this.signals.final(email.id, result.status);
    // Every round is in the store (GET /v1/emails/:id); the log carries the ones worth a look.
    const line = {
      emailId: email.id,
      status: result.status,
      provider: outcome.result === 'sent' ? outcome.providerId : undefined,
      attempts: outcome.attempts.length,
    };
    if (result.status === 'failed') this.logger.warn(line, 'email failed');
    else if (result.status === 'rescheduled' || outcome.attempts.length > 1)
      this.logger.log(line, 'round finished');
    else this.logger.debug?.(line, 'round finished');
    return true;
  }

  /** Every recipient is on the suppression list: no provider is called. */
  private async failSuppressed(email: EmailRecord, owner: string): Promise<boolean> {
    const result = { status: 'failed' as const, error: 'all recipients are suppressed' };
    const now = new Date();
    const deliveries = this.webhooks.forRound(email, result, now);
    const stored = await this.store.finishRound(email.id, owner, result, [], now, deliveries);
    if (!stored) return false;
    if (deliveries.length > 0) this.webhooks.enqueued();
    this.metrics.recordRound([], result.status);
    this.signals.final(email.id, result.status);
    this.logger.log({ emailId: email.id, status: 'failed' }, 'all recipients are suppressed');
    return true;
  }

  private warnFailedAttempts(emailId: string, attempts: AttemptRecord[]): void {
    const now = Date.now();
    for (const a of attempts) {
      if (a.outcome === 'sent' || a.outcome === 'skipped') continue;
      const seen = this.warned.get(a.providerId);
      if (seen && now - seen.at < ATTEMPT_WARN_INTERVAL_MS) {
        seen.suppressed++;
        continue;
      }
      this.warned.set(a.providerId, { at: now, suppressed: 0 });
      this.logger.warn(
        {
          emailId,
          provider: a.providerId,
          outcome: a.outcome,
          providerStatus: a.providerStatus,
          errorCode: a.errorCode,
          error: a.error,
          similarSinceLastWarning: seen?.suppressed ?? 0,
        },
        'provider attempt failed',
      );
    }
  }
}
