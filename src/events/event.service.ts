import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import { addressProblem } from '../domain/address';
import { normalizeAddress, type SuppressionReason } from '../domain/events';
import {
  EVENT_STORE,
  type EventFilter,
  type EventRecord,
  type EventStore,
  type SuppressionRecord,
} from '../store/events.store';

/** Reading events and keeping the suppression list, for the API. */
@Injectable()
export class EventService {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** An email's events, oldest first (the caller has already been allowed to see the email). */
  eventsOf(emailId: string): Promise<EventRecord[]> {
    return this.store.eventsOf(emailId);
  }

  list(filter: EventFilter): Promise<EventRecord[]> {
    return this.store.listEvents(filter);
  }

  listSuppressions(filter: {
    address?: string;
    reason?: SuppressionReason;
    after?: string;
    limit: number;
  }): Promise<SuppressionRecord[]> {
    return this.store.listSuppressions(filter);
  }

  async suppress(address: string): Promise<SuppressionRecord> {
    const problem = addressProblem(address);
    if (problem) throw new InvalidInputError([{ field: 'email', detail: problem }]);
    const entry: SuppressionRecord = {
      address: normalizeAddress(address),
      reason: 'manual',
      eventId: null,
      providerId: null,
      createdAt: new Date(),
    };
    await this.store.suppress(entry, true);
    return entry;
  }

  async unsuppress(address: string): Promise<void> {
    if (!(await this.store.unsuppress(address)))
      throw new NotFoundError(`${address} is not on the suppression list`);
  }
}
