import { Inject, Injectable } from '@nestjs/common';
import { SuppressionConfig } from '../config/config.schema';
import { type Address, allRecipients, type OutboundEmail } from '../domain/email';
import { normalizeAddress } from '../domain/events';
import { newId } from '../domain/id';
import { MetricsService } from '../metrics/metrics.service';
import type { EmailRecord } from '../store/email.store';
import { EVENT_STORE, type EventStore } from '../store/events.store';
import { EventSink } from './event-sink';

/** The provider id of events Mailover itself records (`suppressed`). */
export const MAILOVER_PROVIDER_ID = 'mailover';

/**
 * Removes recipients on the suppression list from an email before any provider is called, and
 * records a `suppressed` event on the email for each (once, however many rounds it takes).
 */
@Injectable()
export class SuppressionGate {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly config: SuppressionConfig,
    private readonly sink: EventSink,
    private readonly metrics: MetricsService,
  ) {}

  /** The message to send (without suppressed recipients), or `undefined` when none remain. */
  async filter(email: EmailRecord): Promise<OutboundEmail | undefined> {
    if (!this.config.enabled) return email.message;
    const message = email.message;
    const listed = await this.events.suppressionsOf(allRecipients(message).map((a) => a.email));
    if (listed.length === 0) return message;
    const blocked = new Set(listed.map((s) => s.address));
    const now = new Date();
    const added = await this.events.addEvents(
      listed.map((s) => ({
        id: newId(now.getTime()),
        eventKey: `suppressed:${email.id}:${s.address}`,
        emailId: email.id,
        tenant: email.tenant,
        type: 'suppressed' as const,
        recipient: s.address,
        providerId: MAILOVER_PROVIDER_ID,
        occurredAt: now,
        receivedAt: now,
        reason: `on the suppression list (${s.reason})`,
      })),
    );
    for (const event of added) await this.sink.emit(event);
    const keep = (list: Address[]) => list.filter((a) => !blocked.has(normalizeAddress(a.email)));
    const filtered = {
      ...message,
      to: keep(message.to),
      cc: keep(message.cc),
      bcc: keep(message.bcc),
    };
    this.metrics.suppressedRecipients.inc(
      allRecipients(message).length - allRecipients(filtered).length,
    );
    return allRecipients(filtered).length === 0 ? undefined : filtered;
  }
}
