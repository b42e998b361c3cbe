import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptRecord } from '../store/email.store';

/** Prometheus metrics of this process (prom-client), one registry per application instance. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly accepted = new Counter({
    name: 'mailover_emails_accepted_total',
    help: 'Emails stored by the API (replayed idempotent requests are not counted)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly finished = new Counter({
    name: 'mailover_rounds_total',
    help: 'Failover rounds by how they ended: sent, failed or rescheduled',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'mailover_provider_attempts_total',
    help: 'Calls to providers (and skips of open circuits) by outcome',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'mailover_provider_send_seconds',
    help: 'Time one provider call took',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'mailover_outbox_in_flight',
    help: 'Emails this process is sending now',
    registers: [this.registry],
  });
  readonly circuit = new Gauge({
    name: 'mailover_provider_circuit_state',
    help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mailover_' });
  }

  recordAttempts(attempts: AttemptRecord[]): void {
    for (const a of attempts) {
      this.attempts.inc({ provider: a.providerId, outcome: a.outcome });
      if (a.outcome !== 'skipped')
        this.duration.observe({ provider: a.providerId, outcome: a.outcome }, a.durationMs / 1000);
    }
  }
}
