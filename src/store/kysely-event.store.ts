import type { Kysely, Selectable } from 'kysely';
import type { BounceKind, EventType, SuppressionReason } from '../domain/events';
import { normalizeAddress } from '../domain/events';
import type {
  EmailMatches,
  EventFilter,
  EventRecord,
  EventStore,
  NewDelivery,
  NewEvent,
  PendingDelivery,
  SuppressionFilter,
  SuppressionRecord,
} from './events.store';
import type { EventsTable, StoreTables, SuppressionsTable } from './store.tables';

/** Rows per multi-row INSERT, well under both dialects' bound-parameter limits. */
const ROWS_PER_INSERT = 500;

/**
 * The event store on the email store's Kysely instance (SQLite or PostgreSQL). Single statements
 * are durable when they resolve (SQLite: synchronous=FULL; PostgreSQL: commit). Processing is
 * idempotent (events are unique per provider and key), so it needs no transaction.
 */
export class KyselyEventStore implements EventStore {
  constructor(private readonly db: Kysely<StoreTables>) {}

  async saveDelivery(d: NewDelivery): Promise<boolean> {
    const inserted = await this.db
      .insertInto('provider_deliveries')
      .values({
        id: d.id,
        provider_id: d.providerId,
        dedupe_key: d.dedupeKey,
        body: d.body,
        received_at: d.receivedAt.getTime(),
        processed_at: null,
      })
      .onConflict((oc) => oc.columns(['provider_id', 'dedupe_key']).doNothing())
      .returning('id')
      .execute();
    return inserted.length === 1;
  }

  async pendingDeliveries(limit: number): Promise<PendingDelivery[]> {
    const rows = await this.db
      .selectFrom('provider_deliveries')
      .select(['id', 'provider_id', 'body', 'received_at'])
      .where('processed_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      providerId: r.provider_id,
      body: r.body,
      receivedAt: new Date(r.received_at),
    }));
  }

  async markProcessed(ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('provider_deliveries')
      .set({ processed_at: at.getTime() })
      .where('id', 'in', ids)
      .execute();
  }

  async purgeDeliveries(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('provider_deliveries')
      .where('received_at', '<', before.getTime())
      .where('processed_at', 'is not', null)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async matchEmails(
    providerId: string,
    providerMessageIds: string[],
    mailoverIds: string[],
  ): Promise<EmailMatches> {
    const matches: EmailMatches = { byProviderMessageId: new Map(), byId: new Map() };
    for (const ids of chunks([...new Set(providerMessageIds)])) {
      const rows = await this.db
        .selectFrom('emails')
        .select(['id', 'tenant', 'provider_message_id'])
        .where('provider_message_id', 'in', ids)
        .where('provider_id', '=', providerId)
        .execute();
      for (const r of rows)
        matches.byProviderMessageId.set(r.provider_message_id!, { id: r.id, tenant: r.tenant });
    }
    for (const ids of chunks([...new Set(mailoverIds)])) {
      const rows = await this.db
        .selectFrom('emails')
        .select(['id', 'tenant'])
        .where('id', 'in', ids)
        .execute();
      for (const r of rows) matches.byId.set(r.id, { id: r.id, tenant: r.tenant });
    }
    return matches;
  }

  async addEvents(events: NewEvent[]): Promise<EventRecord[]> {
    const added: EventRecord[] = [];
    for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
      const chunk = events.slice(i, i + ROWS_PER_INSERT);
      const ids = await this.db
        .insertInto('events')
        .values(chunk.map(eventRow))
        .onConflict((oc) => oc.columns(['provider_id', 'event_key']).doNothing())
        .returning('id')
        .execute();
      const fresh = new Set(ids.map((r) => r.id));
      for (const e of chunk) if (fresh.has(e.id)) added.push(withoutKey(e));
    }
    return added;
  }

  async eventsOf(emailId: string): Promise<EventRecord[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('email_id', '=', emailId)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
    return rows.map(toEvent);
  }

  async listEvents(f: EventFilter): Promise<EventRecord[]> {
    let q = this.db.selectFrom('events').selectAll();
    if (f.tenant !== undefined) q = q.where('tenant', '=', f.tenant);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.recipient) q = q.where('recipient', '=', normalizeAddress(f.recipient));
    if (f.emailId) q = q.where('email_id', '=', f.emailId);
    if (f.providerId) q = q.where('provider_id', '=', f.providerId);
    if (f.since) q = q.where('occurred_at', '>=', f.since.getTime());
    if (f.until) q = q.where('occurred_at', '<', f.until.getTime());
    if (f.before) q = q.where('id', '<', f.before);
    const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map(toEvent);
  }

  async suppressionsOf(addresses: string[]): Promise<SuppressionRecord[]> {
    const normalized = [...new Set(addresses.map(normalizeAddress))];
    if (normalized.length === 0) return [];
    const rows = await this.db
      .selectFrom('suppressions')
      .selectAll()
      .where('address', 'in', normalized)
      .execute();
    return rows.map(toSuppression);
  }

  async suppress(entry: SuppressionRecord, replace = false): Promise<void> {
    const row = {
      address: normalizeAddress(entry.address),
      reason: entry.reason,
      event_id: entry.eventId,
      provider_id: entry.providerId,
      created_at: entry.createdAt.getTime(),
    };
    await this.db
      .insertInto('suppressions')
      .values(row)
      .onConflict((oc) =>
        replace
          ? oc.column('address').doUpdateSet({
              reason: row.reason,
              event_id: row.event_id,
              provider_id: row.provider_id,
              created_at: row.created_at,
            })
          : oc.column('address').doNothing(),
      )
      .execute();
  }

  async unsuppress(address: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('suppressions')
      .where('address', '=', normalizeAddress(address))
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listSuppressions(f: SuppressionFilter): Promise<SuppressionRecord[]> {
    let q = this.db.selectFrom('suppressions').selectAll();
    if (f.address) q = q.where('address', '=', normalizeAddress(f.address));
    if (f.reason) q = q.where('reason', '=', f.reason);
    if (f.after) q = q.where('address', '>', f.after);
    const rows = await q.orderBy('address').limit(f.limit).execute();
    return rows.map(toSuppression);
  }
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ROWS_PER_INSERT)
    out.push(items.slice(i, i + ROWS_PER_INSERT));
  return out;
}

function eventRow(e: NewEvent) {
  return {
    id: e.id,
    provider_id: e.providerId,
    event_key: e.eventKey,
    email_id: e.emailId,
    tenant: e.tenant,
    type: e.type,
    bounce: e.bounce ?? null,
    recipient: normalizeAddress(e.recipient),
    provider_event_id: e.providerEventId ?? null,
    occurred_at: e.occurredAt.getTime(),
    received_at: e.receivedAt.getTime(),
    reason: e.reason ?? null,
    url: e.url ?? null,
    user_agent: e.userAgent ?? null,
    delivery_id: e.deliveryId ?? null,
  };
}

function withoutKey(e: NewEvent): EventRecord {
  const { eventKey: _key, deliveryId: _delivery, ...record } = e;
  return { ...record, recipient: normalizeAddress(record.recipient) };
}

function toEvent(r: Selectable<EventsTable>): EventRecord {
  const out: EventRecord = {
    id: r.id,
    emailId: r.email_id,
    tenant: r.tenant,
    type: r.type as EventType,
    recipient: r.recipient,
    providerId: r.provider_id,
    occurredAt: new Date(r.occurred_at),
    receivedAt: new Date(r.received_at),
  };
  if (r.bounce) out.bounce = r.bounce as BounceKind;
  if (r.provider_event_id) out.providerEventId = r.provider_event_id;
  if (r.reason) out.reason = r.reason;
  if (r.url) out.url = r.url;
  if (r.user_agent) out.userAgent = r.user_agent;
  return out;
}

function toSuppression(r: Selectable<SuppressionsTable>): SuppressionRecord {
  return {
    address: r.address,
    reason: r.reason as SuppressionReason,
    eventId: r.event_id,
    providerId: r.provider_id,
    createdAt: new Date(r.created_at),
  };
}
