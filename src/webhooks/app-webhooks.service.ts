import { Injectable } from '@nestjs/common';
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  WebhooksConfig,
} from '../config/config.schema';
import type { EmailRecord, RoundResult } from '../store/email.store';
import {
  type NewWebhookDelivery,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookDeliveryFilter,
  WebhookDeliveryStore,
} from '../store/webhook-deliveries.store';
import { type AppEvent, deliveriesOf } from './webhook-payload';

const TYPES: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

/**
 * The application's webhooks (Standard Webhooks): turns events about emails into durable
 * deliveries, one per endpoint of `webhooks.endpoints` that subscribes to the event's type and
 * the email's tenant. The webhook worker sends them (processes of role `all` or `worker`).
 */
@Injectable()
export class AppWebhooks {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly config: WebhooksConfig,
    private readonly store: WebhookDeliveryStore,
  ) {}

  /**
   * Stores the deliveries of one event about `email` (its state after the event), durably when
   * the promise resolves, and wakes this process's worker. `event.type` is a word of the event
   * vocabulary (`delivered`, `bounced`, ...): the webhook type is `email.<type>`; types without
   * one (`queued`, `unknown`) are ignored. Answers how many deliveries were stored.
   */
  async emitEvent(event: AppEvent, email: EmailRecord, now = new Date()): Promise<number> {
    const type = `email.${event.type}`;
    if (!TYPES.has(type)) return 0;
    return this.emit(type as WebhookEventType, email, event, now);
  }

  /** As emitEvent, with the webhook type given. */
  async emit(
    type: WebhookEventType,
    email: EmailRecord,
    event: AppEvent,
    now = new Date(),
  ): Promise<number> {
    const deliveries = deliveriesOf(this.config.endpoints, type, email, event, now);
    await this.store.enqueue(deliveries);
    if (deliveries.length > 0) this.enqueued();
    return deliveries.length;
  }

  /**
   * The deliveries of a round's result (`email.sent`, `email.failed`; none for a rescheduled
   * round), for the store to commit with the result itself. Call `enqueued()` once committed.
   */
  forRound(email: EmailRecord, result: RoundResult, now: Date): NewWebhookDelivery[] {
    if (this.config.endpoints.length === 0 || result.status === 'rescheduled') return [];
    if (result.status === 'sent') {
      const after: EmailRecord = {
        ...email,
        status: 'sent',
        providerId: result.providerId,
        providerMessageId: result.providerMessageId,
        lastError: null,
        updatedAt: now,
      };
      const event = {
        type: 'sent',
        occurredAt: now,
        providerId: result.providerId,
        providerMessageId: result.providerMessageId,
      };
      return deliveriesOf(this.config.endpoints, 'email.sent', after, event, now);
    }
    const after: EmailRecord = {
      ...email,
      status: 'failed',
      lastError: result.error,
      updatedAt: now,
    };
    const event = { type: 'failed', occurredAt: now, reason: result.error };
    return deliveriesOf(this.config.endpoints, 'email.failed', after, event, now);
  }

  /** New deliveries are in the store: wake this process's worker. */
  enqueued(): void {
    for (const listener of this.listeners) listener();
  }

  /** Called on every `enqueued()`; answers a function that stops it. */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Newest first, each with its attempts (oldest first). */
  async list(
    filter: WebhookDeliveryFilter,
  ): Promise<Array<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] }>> {
    const deliveries = await this.store.list(filter);
    const attempts = await this.store.attempts(deliveries.map((d) => d.id));
    return deliveries.map((delivery) => ({ delivery, attempts: attempts.get(delivery.id) ?? [] }));
  }
}
