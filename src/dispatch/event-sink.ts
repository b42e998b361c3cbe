import { Inject, Injectable, Logger } from '@nestjs/common';
import { EMAIL_STORE, type EmailStore } from '../store/email.store';
import type { EventRecord } from '../store/events.store';
import { AppWebhooks } from '../webhooks/app-webhooks.service';

/**
 * Where every stored provider event goes next: the application's webhooks (Standard Webhooks),
 * one delivery per matching endpoint, about the email as it is now. Unmatched events belong to no
 * tenant and reach no application.
 */
@Injectable()
export class EventSink {
  private readonly logger = new Logger('Events');

  constructor(
    @Inject(EMAIL_STORE) private readonly store: EmailStore,
    private readonly webhooks: AppWebhooks,
  ) {}

  /** Called once per newly stored event (a provider's retry of an event is not emitted again). */
  async emit(event: EventRecord): Promise<void> {
    this.logger.debug?.(
      { eventId: event.id, emailId: event.emailId, type: event.type, provider: event.providerId },
      'event stored',
    );
    if (!event.emailId) return;
    const email = await this.store.get(event.emailId);
    if (email) await this.webhooks.emitEvent({ ...event }, email);
  }
}
