import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttemptRecord, RoundResult } from '../../src/store/email.store';
import type { NewEvent } from '../../src/store/events.store';
import { KyselyEventStore } from '../../src/store/kysely-event.store';
import type { KyselyEmailStore } from '../../src/store/kysely-email.store';
import { PostgresEmailStore } from '../../src/store/postgres/postgres.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import { StatsStore, type AttemptBucket } from '../../src/store/stats.store';
import { newId } from '../../src/domain/id';
import { createTempSchema } from '../support/postgres-schema';
import { sampleEmail } from './sample-email';

const MINUTE = 60_000;
/** On a minute boundary, as the service's windows are. */
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
      const dir = mkdtempSync(join(tmpdir(), 'mailover-stats-'));
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
      const schema = await createTempSchema('stats');
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

type Try = [provider: string, outcome: AttemptRecord['outcome'], atMs: number, durationMs: number];

/** The statistics' contract, on SQLite and PostgreSQL alike, over rows written by the store itself. */
describe.each(harnesses)('StatsStore on $name', (harness) => {
  let emails: KyselyEmailStore;
  let stats: StatsStore;
  let close: () => Promise<void>;

  /** An email of `tenant` whose rounds made these attempts (each round claimed and finished). */
  async function email(tenant: string, rounds: Try[][]): Promise<string> {
    const id = newId(T0);
    await emails.create({
      id,
      tenant,
      message: sampleEmail({ id }),
      providers: null,
      sendAt: null,
      dueAt: at(-MINUTE),
      status: 'queued',
      createdAt: at(-MINUTE),
    });
    for (const [i, tries] of rounds.entries()) {
      const claimed = await emails.claimDue('w', at(-MINUTE + i), 60_000, 10);
      expect(claimed.map((c) => c.id)).toEqual([id]);
      const attempts = tries.map(([providerId, outcome, t, durationMs]): AttemptRecord => ({
        emailId: id,
        providerId,
        outcome,
        providerStatus: null,
        errorCode: null,
        error: null,
        durationMs,
        at: at(t),
      }));
      const sent = tries.find((t) => t[1] === 'sent');
      const result: RoundResult = sent
        ? { status: 'sent', providerId: sent[0], providerMessageId: `m-${id}` }
        : i === rounds.length - 1
          ? { status: 'failed', error: 'no' }
          : { status: 'rescheduled', dueAt: at(-MINUTE), error: 'again' };
      expect(await emails.finishRound(id, 'w', result, attempts, at(-MINUTE + i))).toBe(true);
    }
    return id;
  }

  beforeEach(async () => {
    ({ emails, close } = await harness.open());
    await emails.migrate();
    stats = new StatsStore(emails.database);

    // acme A: a 500 at the primary, then sent by the backup (a failover), minute 0.
    await email('acme', [
      [
        ['primary', 'retryable', 5_000, 100],
        ['backup', 'sent', 5_100, 20],
      ],
    ]);
    // acme B: the primary's circuit is open (a skip, not a call), sent by the backup, minute 1.
    await email('acme', [
      [
        ['primary', 'skipped', 61_000, 0],
        ['backup', 'sent', 61_000, 40],
      ],
    ]);
    // acme C: an ambiguous failure then only a saturated skip (no other call: not a failover),
    // minute 1; sent by the primary in its second round, minute 2.
    await email('acme', [
      [
        ['primary', 'ambiguous', 62_000, 300],
        ['backup', 'skipped', 62_300, 0],
      ],
      [['primary', 'sent', 125_000, 10]],
    ]);
    // zeta D: a permanent failure ends the round (no failover), minute 0.
    await email('zeta', [[['primary', 'permanent', 10_000, 50]]]);
    // zeta E and F: sent just before the window and exactly at its end (both outside it).
    await email('zeta', [[['primary', 'sent', -1, 7]]]);
    await email('zeta', [[['primary', 'sent', 3 * MINUTE, 9]]]);
  });

  afterEach(() => close());

  const window = (tenant?: string) => ({ from: at(0), to: at(3 * MINUTE), tenant });
  const sorted = (buckets: AttemptBucket[]) =>
    [...buckets].sort((a, b) => a.providerId.localeCompare(b.providerId) || a.bucket - b.bucket);
  const bucket = (
    providerId: string,
    n: number,
    counts: Partial<Omit<AttemptBucket, 'providerId' | 'bucket'>>,
  ): AttemptBucket => ({
    providerId,
    bucket: n,
    sent: 0,
    failed: 0,
    failovers: 0,
    skipped: 0,
    ...counts,
  });

  it("counts every tenant's attempts by provider and minute: sent, failed, failovers, skipped", async () => {
    expect(sorted(await stats.attemptBuckets(window(), MINUTE))).toEqual([
      bucket('backup', 0, { sent: 1 }),
      bucket('backup', 1, { sent: 1, skipped: 1 }),
      bucket('primary', 0, { failed: 2, failovers: 1 }),
      bucket('primary', 1, { failed: 1, skipped: 1 }),
      bucket('primary', 2, { sent: 1 }),
    ]);
  });

  it("counts only the tenant's own emails' attempts for a tenant", async () => {
    expect(sorted(await stats.attemptBuckets(window('acme'), MINUTE))).toEqual([
      bucket('backup', 0, { sent: 1 }),
      bucket('backup', 1, { sent: 1, skipped: 1 }),
      bucket('primary', 0, { failed: 1, failovers: 1 }),
      bucket('primary', 1, { failed: 1, skipped: 1 }),
      bucket('primary', 2, { sent: 1 }),
    ]);
    expect(sorted(await stats.attemptBuckets(window('zeta'), MINUTE))).toEqual([
      bucket('primary', 0, { failed: 1 }),
    ]);
    expect(await stats.attemptBuckets(window('nobody'), MINUTE)).toEqual([]);
  });

  it('buckets by any width: one bucket of three minutes', async () => {
    expect(sorted(await stats.attemptBuckets(window(), 3 * MINUTE))).toEqual([
      bucket('backup', 0, { sent: 2, skipped: 1 }),
      bucket('primary', 0, { sent: 1, failed: 3, failovers: 1, skipped: 1 }),
    ]);
  });

  it('answers nearest-rank p50 and p95 of call durations, skips excluded, per tenant', async () => {
    const byId = (l: Awaited<ReturnType<StatsStore['latency']>>) =>
      [...l].sort((a, b) => a.providerId.localeCompare(b.providerId));
    // primary's calls: 10, 50, 100, 300 ms; backup's: 20, 40 ms.
    expect(byId(await stats.latency(window()))).toEqual([
      { providerId: 'backup', calls: 2, p50Ms: 20, p95Ms: 40 },
      { providerId: 'primary', calls: 4, p50Ms: 50, p95Ms: 300 },
    ]);
    // acme's primary calls: 10, 100, 300 ms.
    expect(byId(await stats.latency(window('acme')))).toEqual([
      { providerId: 'backup', calls: 2, p50Ms: 20, p95Ms: 40 },
      { providerId: 'primary', calls: 3, p50Ms: 100, p95Ms: 300 },
    ]);
    expect(await stats.latency(window('nobody'))).toEqual([]);
  });

  it('counts sends and delivered, bounced and complained events in the range, per tenant', async () => {
    const events = new KyselyEventStore(emails.database);
    const event = (tenant: string | null, type: NewEvent['type'], t: number): NewEvent => ({
      id: newId(T0 + t),
      eventKey: `k-${Math.random()}`,
      emailId: null,
      tenant,
      type,
      recipient: 'ann@example.com',
      providerId: 'primary',
      occurredAt: at(t),
      receivedAt: at(t + 1),
    });
    await events.addEvents([
      event('acme', 'delivered', 1_000),
      event('acme', 'delivered', 2_000),
      event('acme', 'bounced', 3_000),
      event('acme', 'complained', 4_000),
      event('acme', 'opened', 4_500),
      event('zeta', 'bounced', 5_000),
      event(null, 'complained', 6_000),
      // Outside the hour.
      event('acme', 'bounced', -1),
      event('acme', 'bounced', 60 * MINUTE),
    ]);
    const hour = (tenant?: string) => ({ from: at(0), to: at(60 * MINUTE), tenant });
    expect(await stats.deliveryCounts(hour())).toEqual({
      sent: 4,
      delivered: 2,
      bounced: 2,
      complained: 2,
    });
    expect(await stats.deliveryCounts(hour('acme'))).toEqual({
      sent: 3,
      delivered: 2,
      bounced: 1,
      complained: 1,
    });
    expect(await stats.deliveryCounts(hour('zeta'))).toEqual({
      sent: 1,
      delivered: 0,
      bounced: 1,
      complained: 0,
    });
  });
});
