import { Injectable, Logger } from '@nestjs/common';
import type { EventRecord } from '../store/events.store';

/**
 * Where every stored event goes next: the one call site for the application's own webhooks
 * (issue 11, "Webhooks to the application", built separately). This default only logs at debug
 * level; the delivery part replaces it (same class, overridden provider) to enqueue
 * Standard Webhooks deliveries for the email's tenant.
 */
@Injectable()
export class EventSink {
  private readonly logger = new Logger('Events');

  /** Called once per newly stored event (a provider's retry of an event is not emitted again). */
  emit(event: EventRecord): Promise<void> {
    this.logger.debug?.(
      { eventId: event.id, emailId: event.emailId, type: event.type, provider: event.providerId },
      'event stored',
    );
    return Promise.resolve();
  }
}
