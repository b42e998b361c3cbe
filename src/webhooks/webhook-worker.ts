import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ServerConfig, StoreConfig, WebhooksConfig } from '../config/config.schema';
import { MetricsService } from '../metrics/metrics.service';
import { type WebhookDelivery, WebhookDeliveryStore } from '../store/webhook-deliveries.store';
import { AppWebhooks } from './app-webhooks.service';
import { webhookRetryAt } from './webhook-backoff';
import { WebhookSender } from './webhook-sender';

/** A claimed delivery is leased for its attempt's timeout plus this (the store's write included). */
const LEASE_MARGIN_MS = 30_000;

/**
 * Sends the application's webhooks: claims due deliveries with a lease (so replicas share the
 * work and a dead worker's deliveries return by themselves), POSTs up to `webhooks.concurrency`
 * at once, and records each attempt: a 2xx ends the delivery, anything else (another status, a
 * timeout, a refused connection, a redirect) retries it with backoff until `webhooks.maxAgeMs`,
 * then it is failed. Runs in the `all` and `worker` roles when endpoints are configured. A
 * SQLite store belongs to this process alone: at start it takes back a dead predecessor's leases.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('Webhooks');
  private readonly sender: WebhookSender;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Given back at shutdown while their attempt was still running: its result is not stored. */
  private readonly released = new Set<string>();
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private offWake?: () => void;
  /** The earliest retry this process scheduled, so it is not left for the next poll. */
  private soonest = Infinity;

  constructor(
    private readonly config: WebhooksConfig,
    private readonly server: ServerConfig,
    private readonly storeConfig: StoreConfig,
    private readonly store: WebhookDeliveryStore,
    private readonly webhooks: AppWebhooks,
    private readonly metrics: MetricsService,
  ) {
    this.sender = new WebhookSender(config.timeoutMs);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.server.role === 'api' || this.config.endpoints.length === 0) return;
    if (this.storeConfig.driver === 'sqlite') {
      const recovered = await this.store.recoverLeases(new Date());
      if (recovered > 0)
        this.logger.warn({ recovered }, 'took back the deliveries a previous process had claimed');
    }
    this.running = true;
    this.offWake = this.webhooks.onEnqueued(() => this.wakeUp?.());
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.offWake?.();
    this.wakeUp?.();
    await this.loop;
    const grace = new Promise<'timeout'>((r) =>
      setTimeout(() => r('timeout'), this.server.shutdownGraceMs).unref(),
    );
    const done = await Promise.race([
      Promise.allSettled(this.inFlight.values()).then(() => 'done' as const),
      grace,
    ]);
    if (done === 'timeout') {
      const left = [...this.inFlight.keys()];
      for (const id of left) this.released.add(id);
      await this.store.release(left, this.owner, new Date());
      this.logger.warn({ released: left.length }, 'shutdown grace over: deliveries released');
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let full = false;
      try {
        const free = this.config.concurrency - this.inFlight.size;
        if (free > 0) {
          const batch = await this.store.claimDue(
            this.owner,
            new Date(),
            this.config.timeoutMs + LEASE_MARGIN_MS,
            free,
          );
          full = batch.length === free;
          for (const delivery of batch) this.start(delivery);
        }
      } catch (e) {
        this.logger.error({ err: { message: (e as Error).message } }, 'webhook poll failed');
      }
      if (!this.running) break;
      if (full && this.inFlight.size < this.config.concurrency) continue;
      const untilRetry = this.soonest - Date.now();
      await this.sleep(Math.max(0, Math.min(this.config.pollIntervalMs, untilRetry)));
    }
  }

  private start(delivery: WebhookDelivery): void {
    const task = this.attempt(delivery)
      .catch((e: unknown) =>
        this.logger.error(
          { deliveryId: delivery.id, err: { message: (e as Error).message } },
          'webhook attempt failed to be recorded',
        ),
      )
      .finally(() => {
        this.inFlight.delete(delivery.id);
        // A full worker claims again as soon as a slot frees.
        if (this.inFlight.size === this.config.concurrency - 1) this.wakeUp?.();
      });
    this.inFlight.set(delivery.id, task);
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const endpoint = this.config.endpoints.find((e) => e.id === delivery.endpointId);
    if (!endpoint) {
      const now = new Date();
      const attempt = {
        seq: 0,
        at: now,
        durationMs: 0,
        statusCode: null,
        error: `endpoint "${delivery.endpointId}" is no longer configured`,
      };
      if (await this.store.finish(delivery.id, this.owner, attempt, { status: 'failed' }, now))
        this.metrics.webhookDeliveries.inc({ outcome: 'failed' });
      return;
    }
    const { attempt, delivered } = await this.sender.send(endpoint, delivery);
    if (this.released.has(delivery.id)) return;
    const now = new Date();
    const retryAt = delivered
      ? undefined
      : webhookRetryAt(
          delivery.attempts + 1,
          now.getTime(),
          delivery.createdAt.getTime() + this.config.maxAgeMs,
          this.config.backoffBaseMs,
          this.config.backoffMaxMs,
        );
    const result = delivered
      ? ({ status: 'delivered' } as const)
      : retryAt === undefined
        ? ({ status: 'failed' } as const)
        : ({ status: 'pending', dueAt: new Date(retryAt) } as const);
    const stored = await this.store.finish(delivery.id, this.owner, attempt, result, now);
    if (!stored) {
      this.logger.warn({ deliveryId: delivery.id }, 'lease lost before the attempt was stored');
      return;
    }
    const outcome = result.status === 'pending' ? 'retried' : result.status;
    this.metrics.webhookDeliveries.inc({ outcome });
    if (result.status === 'pending') this.soonest = Math.min(this.soonest, retryAt!);
    if (result.status !== 'delivered')
      this.logger.warn(
        {
          deliveryId: delivery.id,
          endpoint: delivery.endpointId,
          type: delivery.type,
          attempt: delivery.attempts + 1,
          status: attempt.statusCode,
          error: attempt.error,
          outcome,
        },
        result.status === 'failed' ? 'webhook delivery failed for good' : 'webhook attempt failed',
      );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        if (this.soonest <= Date.now()) this.soonest = Infinity;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
