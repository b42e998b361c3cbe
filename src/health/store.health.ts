import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { OutboxSignals } from '../dispatch/outbox-signals';
import { EMAIL_STORE, type EmailStore } from '../store/email.store';

/** Readiness: the store answers, its migrations are applied, and the process is not shutting down. */
@Injectable()
export class StoreHealthIndicator {
  constructor(
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    private readonly signals: OutboxSignals,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const check = this.indicator.check('store');
    if (this.signals.isStopping) return check.down({ reason: 'shutting down' });
    try {
      await this.store.ping();
      if (!(await this.store.isMigrated())) return check.down({ reason: 'migrations pending' });
      return check.up();
    } catch (e) {
      return check.down({ reason: (e as Error).message });
    }
  }
}
