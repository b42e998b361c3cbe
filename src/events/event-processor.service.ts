import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig, EventsConfig, SuppressionConfig } from '../config/config.schema';
import { suppressionReasonOf, type ProviderEvent } from '../domain/events';
import { newId } from '../domain/id';
import { EventSink } from '../dispatch/event-sink';
import { MetricsService } from '../metrics/metrics.service';
import type { ProviderWebhook } from '../providers/provider.plugin';
import { ProviderRegistry } from '../providers/provider.registry';
import {
  EVENT_STORE,
  type EventStore,
  type NewEvent,
  type PendingDelivery,
} from '../store/events.store';

const BATCH = 100;
/** Deliveries stored by a process that died before processing them are picked up this often. */
const SWEEP_MS = 5_000;
const PURGE_MS = 3600_000;
const MAX_FAILURES = 5;

/**
 * Turns stored webhook deliveries into events, after they were answered: maps each with its
 * provider's mapper, matches the email, stores the events (a repeated event once), puts hard
 * bounces, complaints and unsubscribes on the suppression list, counts them and hands each new
 * event to the EventSink. Idempotent, so a crash between steps only repeats work.
 */
@Injectable()
export class EventProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Events');
  private running?: Promise<void>;
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly failures = new Map<string, number>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly config: AppConfig,
    private readonly events: EventsConfig,
    private readonly suppression: SuppressionConfig,
    private readonly registry: ProviderRegistry,
    private readonly metrics: MetricsService,
    private readonly sink: EventSink,
  ) {}

  onApplicationBootstrap(): void {
    this.every(SWEEP_MS, () => this.drain(), true);
    this.every(PURGE_MS, () => this.purgeRaw(new Date()), true);
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.running;
  }

  /** Processes what is pending now (and what arrives meanwhile); one drain at a time. */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const pending = await this.store.pendingDeliveries(BATCH);
            let progressed = false;
            for (const delivery of pending)
              progressed = (await this.tryProcess(delivery)) || progressed;
            if (pending.length < BATCH || !progressed) break;
          }
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Forgets raw payloads older than `events.rawRetentionDays`. */
  purgeRaw(now: Date): Promise<number> {
    return this.store.purgeDeliveries(
      new Date(now.getTime() - this.events.rawRetentionDays * 24 * 3600_000),
    );
  }

  /**
   * Processes one delivery; a failure (the store unreachable) leaves it pending for the next
   * sweep, and one that keeps failing is given up after MAX_FAILURES so it cannot block the rest.
   */
  private async tryProcess(delivery: PendingDelivery): Promise<boolean> {
    try {
      await this.process(delivery);
      this.failures.delete(delivery.id);
      return true;
    } catch (e) {
      const failures = (this.failures.get(delivery.id) ?? 0) + 1;
      const err = { message: (e as Error).message };
      if (failures < MAX_FAILURES) {
        this.failures.set(delivery.id, failures);
        this.logger.warn({ deliveryId: delivery.id, failures, err }, 'delivery processing failed');
        return false;
      }
      this.failures.delete(delivery.id);
      this.logger.error(
        { deliveryId: delivery.id, err },
        'delivery given up after repeated failures',
      );
      await this.store.markProcessed([delivery.id], new Date()).catch(() => undefined);
      return true;
    }
  }

  private async process(delivery: PendingDelivery): Promise<void> {
    const webhook = this.webhookOf(delivery.providerId);
    let mapped: ProviderEvent[] = [];
    try {
      mapped = webhook ? webhook.parse(Buffer.from(delivery.body, 'utf8')) : [];
    } catch (e) {
      // Checked before it was stored; only a provider removed from the config gets here.
      this.logger.warn(
        { deliveryId: delivery.id, err: { message: (e as Error).message } },
        'delivery not readable',
      );
    }
    const bare = (id: string) => id.replace(/^<|>$/g, '');
    const messageIds = mapped.flatMap((e) =>
      e.providerMessageId ? [bare(e.providerMessageId), `<${bare(e.providerMessageId)}>`] : [],
    );
    const mailoverIds = mapped.flatMap((e) => (e.mailoverId ? [e.mailoverId] : []));
    const matches = await this.store.matchEmails(delivery.providerId, messageIds, mailoverIds);
    const rows: NewEvent[] = [];
    for (const e of mapped) {
      const id = e.providerMessageId && bare(e.providerMessageId);
      const email =
        (id &&
          (matches.byProviderMessageId.get(id) ?? matches.byProviderMessageId.get(`<${id}>`))) ||
        (e.mailoverId ? matches.byId.get(e.mailoverId) : undefined);
      rows.push({
        id: newId(),
        eventKey: e.eventKey,
        deliveryId: delivery.id,
        emailId: email?.id ?? null,
        tenant: email?.tenant ?? null,
        type: e.type,
        ...(e.bounce ? { bounce: e.bounce } : {}),
        recipient: e.recipient,
        providerId: delivery.providerId,
        ...(e.providerEventId ? { providerEventId: e.providerEventId } : {}),
        occurredAt: e.occurredAt,
        receivedAt: delivery.receivedAt,
        ...(e.reason ? { reason: e.reason } : {}),
        ...(e.url ? { url: e.url } : {}),
        ...(e.userAgent ? { userAgent: e.userAgent } : {}),
      });
    }
    const added = await this.store.addEvents(rows);
    for (const event of added) {
      this.metrics.webhookEvents.inc({
        provider: event.providerId,
        type: event.type,
        matched: event.emailId ? 'true' : 'false',
      });
      const reason = suppressionReasonOf(event);
      if (reason && this.suppression.enabled && event.recipient) {
        await this.store.suppress({
          address: event.recipient,
          reason,
          eventId: event.id,
          providerId: event.providerId,
          createdAt: new Date(),
        });
      }
      await this.sink.emit(event);
    }
    await this.store.markProcessed([delivery.id], new Date());
  }

  private webhookOf(providerId: string): ProviderWebhook | undefined {
    const provider = this.config.providers.find((p) => p.id === providerId);
    return provider ? this.registry.find(provider.type)?.webhook : undefined;
  }

  private every(ms: number, chore: () => Promise<unknown>, now = false): void {
    const tick = () =>
      void chore().catch((e: Error) =>
        this.logger.error({ err: { message: e.message } }, 'event chore failed'),
      );
    if (now) tick();
    const timer = setInterval(tick, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
