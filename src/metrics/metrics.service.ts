import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptRecord, QueueStats } from '../domain/email-record';

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

  readonly failovers = new Counter({
    name: 'mailover_failovers_total',
    help: 'Rounds that moved past this provider (it failed or was skipped) to the next one',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  readonly breakerTransitions = new Counter({
    name: 'mailover_breaker_transitions_total',
    help: 'Circuit breaker state changes per provider, by the state entered',
    labelNames: ['provider', 'state'] as const,
    registers: [this.registry],
  });
  readonly leasesRecovered = new Counter({
    name: 'mailover_leases_recovered_total',
    help: 'Emails taken back from a worker that died (an expired lease, or a restart on SQLite)',
    registers: [this.registry],
  });
  readonly queue = new Gauge({
    name: 'mailover_queue_emails',
    help: 'Emails in the outbox by status (queued, scheduled, sending), read from the store at scrape time',
    labelNames: ['status'] as const,
    registers: [this.registry],
    collect: () => this.collectQueue(),
  });
  readonly oldestDue = new Gauge({
    name: 'mailover_queue_oldest_due_seconds',
    help: 'How long the oldest due email has waited past its due time (0 when none is due)',
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'mailover_http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'mailover_http_request_duration_seconds',
    help: 'HTTP request time by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'mailover_webhook_deliveries_total',
    help: 'Attempts of webhooks to the application by outcome: delivered (2xx), retried (will be tried again), failed (given up)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookRequests = new Counter({
    name: 'mailover_webhook_requests_total',
    help: 'Provider webhook requests by provider and result (stored, duplicate, unverified, unparseable)',
    labelNames: ['provider', 'result'] as const,
    registers: [this.registry],
  });
  readonly webhookEvents = new Counter({
    name: 'mailover_webhook_events_total',
    help: 'Provider events stored, by provider, normalized type and whether an email matched',
    labelNames: ['provider', 'type', 'matched'] as const,
    registers: [this.registry],
  });
  readonly suppressedRecipients = new Counter({
    name: 'mailover_suppressed_recipients_total',
    help: 'Recipients removed from emails before sending because they are on the suppression list',
    registers: [this.registry],
  });
  private queueSource?: () => Promise<QueueStats>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mailover_' });
  }

  /** Where the queue gauges read from at scrape time (the store, set by dispatch). */
  readQueueFrom(source: () => Promise<QueueStats>): void {
    this.queueSource = source;
  }

  /** One stored round: its attempts, the providers it moved past, and how it ended. */
  recordRound(attempts: AttemptRecord[], result: string): void {
    attempts.forEach((a, i) => {
      this.attempts.inc({ provider: a.providerId, outcome: a.outcome });
      if (a.outcome !== 'skipped')
        this.duration.observe({ provider: a.providerId, outcome: a.outcome }, a.durationMs / 1000);
      if (i < attempts.length - 1) this.failovers.inc({ provider: a.providerId });
    });
    this.finished.inc({ result });
  }

  private async collectQueue(): Promise<void> {
    if (!this.queueSource) return;
    const now = Date.now();
    const stats = await this.queueSource();
    for (const [status, n] of Object.entries(stats.counts)) this.queue.set({ status }, n);
    this.oldestDue.set(
      stats.oldestDueAt ? Math.max(0, now - stats.oldestDueAt.getTime()) / 1000 : 0,
    );
  }
}
