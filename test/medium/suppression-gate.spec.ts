import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SuppressionConfig } from '../../src/config/config.schema';
import { EventSink } from '../../src/dispatch/event-sink';
import { SuppressionGate } from '../../src/dispatch/suppression-gate';
import type { EventRecord } from '../../src/store/events.store';
import { KyselyEventStore } from '../../src/store/kysely-event.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import { MetricsService } from '../../src/metrics/metrics.service';
import type { EmailRecord } from '../../src/store/email.store';
import { sampleEmail } from '../contracts/sample-email';

/** The gate on a real SQLite store: what it removes, what it records, and its switch. */
describe('SuppressionGate', () => {
  let dir: string;
  let emails: SqliteEmailStore;
  let events: KyselyEventStore;
  const emitted: EventRecord[] = [];
  // Records what the gate emits (the real sink forwards to the application's webhooks).
  const sink = new (class extends EventSink {
    constructor() {
      super(undefined as never, undefined as never);
    }
    override emit(event: EventRecord) {
      emitted.push(event);
      return Promise.resolve();
    }
  })();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailover-gate-'));
    emails = new SqliteEmailStore(join(dir, 'store.db'));
    await emails.migrate();
    events = new KyselyEventStore(emails.database);
    emitted.length = 0;
    await events.suppress({
      address: 'bob@example.com',
      reason: 'complaint',
      eventId: 'E1',
      providerId: 'sg',
      createdAt: new Date(),
    });
  });

  afterEach(async () => {
    await emails.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const email = (message = sampleEmail()) =>
    ({ id: message.id, tenant: 't1', message }) as unknown as EmailRecord;
  const gate = (enabled: boolean) =>
    new SuppressionGate(
      events,
      Object.assign(new SuppressionConfig(), { enabled }),
      sink,
      new MetricsService(),
    );

  it('removes listed recipients (any case), records one suppressed event each, once', async () => {
    const message = sampleEmail({
      to: [{ email: 'ann@example.com' }, { email: 'BOB@Example.com' }],
    });
    const kept = await gate(true).filter(email(message));
    expect(kept?.to).toEqual([{ email: 'ann@example.com' }]);
    expect(kept?.cc).toEqual(message.cc);
    await gate(true).filter(email(message));
    const recorded = await events.eventsOf(message.id);
    expect(recorded).toEqual([
      expect.objectContaining({ type: 'suppressed', recipient: 'bob@example.com', tenant: 't1' }),
    ]);
    expect(emitted.map((e) => e.id)).toEqual([recorded[0].id]);
  });

  it('answers undefined when no recipient remains', async () => {
    const message = sampleEmail({ to: [{ email: 'bob@example.com' }], cc: [], bcc: [] });
    expect(await gate(true).filter(email(message))).toBeUndefined();
  });

  it('with suppression.enabled false, sends to everyone and records nothing', async () => {
    const message = sampleEmail({ to: [{ email: 'bob@example.com' }], cc: [], bcc: [] });
    expect(await gate(false).filter(email(message))).toBe(message);
    expect(await events.eventsOf(message.id)).toEqual([]);
  });
});
