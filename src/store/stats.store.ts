import { type Kysely, sql } from 'kysely';
import type { StoreTables } from './store.tables';

type Db = Kysely<StoreTables>;

/** A time range [from, to), and whose emails count: one tenant's, or every tenant's (undefined). */
export interface StatsRange {
  from: Date;
  to: Date;
  tenant?: string;
}

/** One provider's attempts in one bucket of a range (bucket 0 starts at `from`). */
export interface AttemptBucket {
  providerId: string;
  bucket: number;
  /** Attempts the provider accepted. */
  sent: number;
  /** Attempts the provider was called for and that failed (retryable, provider, permanent, ambiguous). */
  failed: number;
  /** Failed attempts after which the round called another provider. */
  failovers: number;
  /** Providers passed over without a call (open circuit, stuck, saturated). */
  skipped: number;
}

/** Nearest-rank percentiles of the durations of one provider's calls (skips excluded). */
export interface AttemptLatency {
  providerId: string;
  calls: number;
  p50Ms: number;
  p95Ms: number;
}

/** Provider events and sends in a range: the figures bounce and complaint rates are made of. */
export interface DeliveryCounts {
  /** Attempts the providers accepted (one per sent email). */
  sent: number;
  delivered: number;
  /** Hard and soft. */
  bounced: number;
  complained: number;
}

const FAILED = ['retryable', 'provider', 'permanent', 'ambiguous'] as const;

/**
 * Aggregates over attempts and provider events for the operator's charts, on SQLite and
 * PostgreSQL alike (one query layer; integer arithmetic and window functions both dialects have).
 * Everything is read from the store, so every replica's sends count. Attempts are dated by when
 * they started (`at`, indexed by migration 0007); a tenant's figures join attempts to its emails.
 */
export class StatsStore {
  constructor(private readonly db: Db) {}

  /** Attempts by provider and bucket of `bucketMs`; only buckets with attempts are answered. */
  async attemptBuckets(range: StatsRange, bucketMs: number): Promise<AttemptBucket[]> {
    // Literals, not parameters: PostgreSQL matches the select's expression to the group's by its
    // text, and two parameters are two expressions. Both are integers of ours.
    const bucket = sql<number>`(a.at - ${sql.lit(range.from.getTime())}) / ${sql.lit(Math.trunc(bucketMs))}`;
    const rows = await this.attempts(range)
      .select([
        'a.provider_id as provider_id',
        bucket.as('bucket'),
        sql<number>`sum(case when a.outcome = 'sent' then 1 else 0 end)`.as('sent'),
        sql<number>`sum(case when a.outcome in (${sql.join(FAILED)}) then 1 else 0 end)`.as(
          'failed',
        ),
        // A failure the round moved on from: a later call (not a skip) in the same round, found
        // through the attempts' primary key (email_id, round, seq).
        sql<number>`sum(case when a.outcome in (${sql.join(FAILED)}) and exists (
            select 1 from attempts n
            where n.email_id = a.email_id and n.round = a.round and n.seq > a.seq
              and n.outcome <> 'skipped'
          ) then 1 else 0 end)`.as('failovers'),
        sql<number>`sum(case when a.outcome = 'skipped' then 1 else 0 end)`.as('skipped'),
      ])
      .groupBy(['a.provider_id', bucket])
      .execute();
    return rows.map((r) => ({
      providerId: r.provider_id,
      bucket: Number(r.bucket),
      sent: Number(r.sent),
      failed: Number(r.failed),
      failovers: Number(r.failovers),
      skipped: Number(r.skipped),
    }));
  }

  /** p50 and p95 of each provider's call durations in the range (nearest rank: a real duration). */
  async latency(range: StatsRange): Promise<AttemptLatency[]> {
    const ranked = this.attempts(range)
      .where('a.outcome', '<>', 'skipped')
      .select([
        'a.provider_id as provider_id',
        'a.duration_ms as ms',
        sql<number>`row_number() over (partition by a.provider_id order by a.duration_ms)`.as('rn'),
        sql<number>`count(*) over (partition by a.provider_id)`.as('n'),
      ]);
    // Rank ceil(p * n) in integer arithmetic, which both dialects share.
    const rows = await this.db
      .selectFrom(ranked.as('r'))
      .select(['r.provider_id', 'r.ms', 'r.rn', 'r.n'])
      .where(sql<boolean>`r.rn = (r.n * 50 + 99) / 100 or r.rn = (r.n * 95 + 99) / 100`)
      .orderBy('r.provider_id')
      .orderBy('r.rn')
      .execute();
    const out = new Map<string, AttemptLatency>();
    for (const r of rows) {
      const n = Number(r.n);
      const rank = Number(r.rn);
      const entry = out.get(r.provider_id) ?? {
        providerId: r.provider_id,
        calls: n,
        p50Ms: 0,
        p95Ms: 0,
      };
      if (rank === Math.ceil((n * 50) / 100)) entry.p50Ms = Number(r.ms);
      if (rank === Math.ceil((n * 95) / 100)) entry.p95Ms = Number(r.ms);
      out.set(r.provider_id, entry);
    }
    return [...out.values()];
  }

  /** Sends and delivered, bounced and complained events in the range (events by when they occurred). */
  async deliveryCounts(range: StatsRange): Promise<DeliveryCounts> {
    const sent = await this.attempts(range)
      .where('a.outcome', '=', 'sent')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    let events = this.db
      .selectFrom('events')
      .select(['type', (eb) => eb.fn.countAll().as('n')])
      .where('occurred_at', '>=', range.from.getTime())
      .where('occurred_at', '<', range.to.getTime())
      .where('type', 'in', ['delivered', 'bounced', 'complained'])
      .groupBy('type');
    if (range.tenant !== undefined) events = events.where('tenant', '=', range.tenant);
    const counts: DeliveryCounts = {
      sent: Number(sent?.n ?? 0),
      delivered: 0,
      bounced: 0,
      complained: 0,
    };
    for (const r of await events.execute())
      counts[r.type as 'delivered' | 'bounced' | 'complained'] = Number(r.n);
    return counts;
  }

  /** The attempts of the range, of the tenant's emails when it has one. */
  private attempts(range: StatsRange) {
    let query = this.db
      .selectFrom('attempts as a')
      .where('a.at', '>=', range.from.getTime())
      .where('a.at', '<', range.to.getTime());
    if (range.tenant !== undefined) {
      const tenant = range.tenant;
      // Per attempt, a primary-key lookup of its email: the range, not the tenant, bounds the work.
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('emails as e')
            .select(sql`1`.as('one'))
            .whereRef('e.id', '=', 'a.email_id')
            .where('e.tenant', '=', tenant),
        ),
      );
    }
    return query;
  }
}
