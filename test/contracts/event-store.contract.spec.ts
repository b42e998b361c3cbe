import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../src/domain/id';
import type { KyselyEmailStore } from '../../src/store/kysely-email.store';
import type { EventStore, NewEvent } from '../../src/store/events.store';
import { KyselyEventStore } from '../../src/store/kysely-event.store';
import { PostgresEmailStore } from '../../src/store/postgres/postgres.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import { createTempSchema } from '../support/postgres-schema';
import { sampleEmail } from './sample-email';

const T0 = Date.UTC(2030, 0, 1);
const at = (ms: number) => new Date(T0 + ms);

interface Harness {
  name: string;
  open(): Promise<{ emails: KyselyEmailStore; close(): Promise<void> }>;
}

const harnesses: Harness[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'mailover-events-'));
      const emails = new SqliteEmailStore(join(dir, 'store.db'));
      return {
        emails,
        async close() {
          await emails.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await createTempSchema('events');
      const emails = new PostgresEmailStore({ url: schema.url, poolSize: 3 });
      return {
        emails,
        async close() {
          await emails.close();
          await schema.drop();
        },
      };
    },
  },
];

/** The event store's contract, on SQLite and PostgreSQL alike. */
describe.each(harnesses)('EventStore on $name', (harness) => {
  let emails: KyselyEmailStore;
  let store: EventStore;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ emails, close } = await harness.open());
    await emails.migrate();
    store = new KyselyEventStore(emails.database);
  });

  afterEach(() => close());

  /** A sent email of `tenant`, through `providerId`, with the provider's message id. */
  async function sentEmail(tenant: string, providerId: string, providerMessageId: string) {
    const id = newId(T0);
    await emails.create({
      id,
      tenant,
      message: sampleEmail({ id }),
      providers: null,
      sendAt: null,
      dueAt: at(0),
      status: 'queued',
      createdAt: at(0),
    });
    const [claimed] = await emails.claimDue('w', at(1), 60_000, 1);
    expect(claimed.id).toBe(id);
    const result = { status: 'sent' as const, providerId, providerMessageId };
    expect(await emails.finishRound(id, 'w', result, [], at(2))).toBe(true);
    return id;
  }

  function event(patch: Partial<NewEvent> = {}): NewEvent {
    return {
      id: newId(T0),
      eventKey: `key-${Math.random()}`,
      emailId: null,
      tenant: null,
      type: 'delivered',
      recipient: 'Ann@Example.com',
      providerId: 'mg',
      occurredAt: at(10),
      receivedAt: at(11),
      ...patch,
    };
  }

  it('stores a delivery once per provider and key; pending until processed; purges old processed ones', async () => {
    const delivery = { providerId: 'mg', dedupeKey: 'tok', body: '{"a":1}', receivedAt: at(0) };
    expect(await store.saveDelivery({ id: newId(T0), ...delivery })).toBe(true);
    expect(await store.saveDelivery({ id: newId(T0), ...delivery })).toBe(false);
    expect(await store.saveDelivery({ id: newId(T0), ...delivery, providerId: 'sg' })).toBe(true);
    const pending = await store.pendingDeliveries(10);
    expect(pending.map((d) => [d.providerId, d.body])).toEqual([
      ['mg', '{"a":1}'],
      ['sg', '{"a":1}'],
    ]);
    await store.markProcessed([pending[0].id], at(5));
    expect((await store.pendingDeliveries(10)).map((d) => d.providerId)).toEqual(['sg']);
    // Only processed ones are purged; the unprocessed one waits for processing.
    expect(await store.purgeDeliveries(at(1))).toBe(1);
    expect(await store.purgeDeliveries(at(1))).toBe(0);
    expect(await store.pendingDeliveries(10)).toHaveLength(1);
  });

  it("finds emails by the provider's message id (that provider's only) and by Mailover id", async () => {
    const id = await sentEmail('acme', 'mg', '<abc@mg.test>');
    const other = await sentEmail('zeta', 'sg', 'sg-1');
    const found = await store.matchEmails(
      'mg',
      ['abc@mg.test', '<abc@mg.test>', 'sg-1'],
      [other, '01JD0000000000000000000099'],
    );
    expect(found.byProviderMessageId).toEqual(new Map([['<abc@mg.test>', { id, tenant: 'acme' }]]));
    expect(found.byId).toEqual(new Map([[other, { id: other, tenant: 'zeta' }]]));
    const none = await store.matchEmails('sg', ['abc@mg.test', '<abc@mg.test>'], []);
    expect(none.byProviderMessageId.size + none.byId.size).toBe(0);
    // More ids than one statement takes are looked up in chunks.
    const many = Array.from({ length: 1200 }, (_, i) => `id-${i}`).concat('<abc@mg.test>');
    expect((await store.matchEmails('mg', many, [])).byProviderMessageId.size).toBe(1);
  });

  it('stores an event once per provider and key, and answers only the new ones', async () => {
    const first = event({ eventKey: 'k1' });
    expect(await store.addEvents([first])).toEqual([
      expect.objectContaining({ id: first.id, recipient: 'ann@example.com' }),
    ]);
    const again = event({ eventKey: 'k1' });
    const other = event({ eventKey: 'k1', providerId: 'sg' });
    const added = await store.addEvents([again, other]);
    expect(added.map((e) => e.id)).toEqual([other.id]);
  });

  it("lists events newest first with every filter, the tenant's only, and a cursor", async () => {
    const email = await sentEmail('acme', 'mg', 'm-1');
    const a = event({ emailId: email, tenant: 'acme', type: 'delivered', occurredAt: at(20) });
    const b = event({
      emailId: email,
      tenant: 'acme',
      type: 'opened',
      occurredAt: at(10),
      providerId: 'sg',
    });
    const c = event({
      type: 'bounced',
      bounce: 'hard',
      recipient: 'bob@example.com',
      reason: '550',
    });
    await store.addEvents([a, b, c]);
    const ids = async (f: Parameters<EventStore['listEvents']>[0]) =>
      (await store.listEvents(f)).map((e) => e.id);
    expect(await ids({ limit: 10 })).toEqual([c.id, b.id, a.id]);
    expect(await ids({ limit: 10, tenant: 'acme' })).toEqual([b.id, a.id]);
    expect(await ids({ limit: 10, tenant: 'other' })).toEqual([]);
    expect(await ids({ limit: 10, type: 'opened' })).toEqual([b.id]);
    expect(await ids({ limit: 10, recipient: 'BOB@example.com' })).toEqual([c.id]);
    expect(await ids({ limit: 10, emailId: email })).toEqual([b.id, a.id]);
    expect(await ids({ limit: 10, providerId: 'sg' })).toEqual([b.id]);
    expect(await ids({ limit: 10, since: at(15) })).toEqual([a.id]);
    expect(await ids({ limit: 10, until: at(15) })).toEqual([c.id, b.id]);
    expect(await ids({ limit: 1, before: c.id })).toEqual([b.id]);
    expect((await store.eventsOf(email)).map((e) => e.id)).toEqual([b.id, a.id]);
    const [bounced] = await store.listEvents({ limit: 1, type: 'bounced' });
    expect(bounced).toEqual({
      id: c.id,
      emailId: null,
      tenant: null,
      type: 'bounced',
      bounce: 'hard',
      recipient: 'bob@example.com',
      providerId: 'mg',
      occurredAt: at(10),
      receivedAt: at(11),
      reason: '550',
    });
  });

  it('keeps the suppression list case-insensitively: first cause kept unless replaced', async () => {
    const entry = {
      address: 'Ann@Example.com',
      reason: 'hard_bounce' as const,
      eventId: 'E1',
      providerId: 'mg',
      createdAt: at(0),
    };
    await store.suppress(entry);
    await store.suppress({ ...entry, reason: 'complaint', eventId: 'E2' });
    expect(await store.suppressionsOf(['ANN@example.COM', 'bob@example.com'])).toEqual([
      { ...entry, address: 'ann@example.com' },
    ]);
    await store.suppress({ ...entry, reason: 'manual', eventId: null, providerId: null }, true);
    expect((await store.suppressionsOf(['ann@example.com']))[0].reason).toBe('manual');
    await store.suppress({ ...entry, address: 'bob@example.com' });
    const list = await store.listSuppressions({ limit: 1 });
    expect(list.map((s) => s.address)).toEqual(['ann@example.com']);
    expect(
      (await store.listSuppressions({ limit: 5, after: 'ann@example.com' })).map((s) => s.address),
    ).toEqual(['bob@example.com']);
    expect(
      (await store.listSuppressions({ limit: 5, reason: 'hard_bounce' })).map((s) => s.address),
    ).toEqual(['bob@example.com']);
    expect((await store.listSuppressions({ limit: 5, address: 'BOB@example.com' })).length).toBe(1);
    expect(await store.unsuppress('BOB@EXAMPLE.COM')).toBe(true);
    expect(await store.unsuppress('bob@example.com')).toBe(false);
  });
});
