import { Injectable } from '@nestjs/common';
import { StatsStore, type AttemptBucket } from '../store/stats.store';
import { ProviderRoster } from './provider-roster.service';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The usual warning lines of mailbox providers and ESPs (SES, Gmail's sender guidelines). */
export const BOUNCE_WARNING = 0.05;
export const COMPLAINT_WARNING = 0.001;

/**
 * Answers are reused this long per (tenant, minutes, rateHours): open console tabs poll every few
 * seconds, and on SQLite the queries run on the event loop (bench/README.md has their cost).
 */
const REUSE_MS = 2_000;
const REUSE_ENTRIES = 64;

export interface StatsQuery {
  /** Per-minute buckets and latency over the last `minutes` (the current minute included). */
  minutes: number;
  /** Bounce and complaint rates over the last `rateHours`. */
  rateHours: number;
  /** Whose emails count: one tenant's, or every tenant's (undefined: admin keys). */
  tenant?: string;
  now?: Date;
}

export interface ProviderStats {
  id: string;
  /** Index i is the minute starting at window.from + i minutes. */
  sent: number[];
  failed: number[];
  failovers: number[];
  totals: { sent: number; failed: number; failovers: number; skipped: number };
  /** sent / (sent + failed) over the window; null with no call. */
  successRate: number | null;
  /** Of every call in the window (skips excluded); null with no call. */
  latencyMs: { p50: number; p95: number; calls: number } | null;
}

export interface DeliveryRates {
  from: string;
  to: string;
  hours: number;
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  /** bounced / sent; null when nothing was sent. */
  bounceRate: number | null;
  complaintRate: number | null;
  warnings: { bounceRate: number; complaintRate: number };
}

export interface Stats {
  window: { from: string; to: string; minutes: number; bucketSeconds: number };
  providers: ProviderStats[];
  rates: DeliveryRates;
}

/**
 * The operator's figures over recent time, from the store (so every replica's sends count):
 * per-minute sends, failures and failovers by provider, latency and success rate, and the
 * bounce and complaint rates. Every configured provider is listed (zeros when idle), in routing
 * order, then any other provider the store remembers (one since removed from the configuration).
 */
@Injectable()
export class StatsService {
  constructor(
    private readonly store: StatsStore,
    private readonly roster: ProviderRoster,
  ) {}

  private readonly recent = new Map<string, { at: number; answer: Promise<Stats> }>();

  /** The figures, computed at most once per REUSE_MS for the same question. */
  stats(q: StatsQuery): Promise<Stats> {
    if (q.now) return this.compute(q);
    const key = JSON.stringify([q.tenant ?? null, q.minutes, q.rateHours]);
    const now = Date.now();
    const hit = this.recent.get(key);
    if (hit && now - hit.at < REUSE_MS) return hit.answer;
    const answer = this.compute(q);
    // A failed computation is not reused.
    void answer.catch(() => this.recent.delete(key));
    this.recent.delete(key);
    this.recent.set(key, { at: now, answer });
    while (this.recent.size > REUSE_ENTRIES) this.recent.delete(this.recent.keys().next().value!);
    return answer;
  }

  private async compute(q: StatsQuery): Promise<Stats> {
    const now = (q.now ?? new Date()).getTime();
    // Whole minutes, the last one the current (partial) minute, so buckets line up on the clock.
    const to = Math.floor(now / MINUTE) * MINUTE + MINUTE;
    const from = to - q.minutes * MINUTE;
    const window = { from: new Date(from), to: new Date(to), tenant: q.tenant };
    const rateRange = {
      from: new Date(now - q.rateHours * HOUR),
      to: new Date(now),
      tenant: q.tenant,
    };
    const [buckets, latency, counts] = await Promise.all([
      this.store.attemptBuckets(window, MINUTE),
      this.store.latency(window),
      this.store.deliveryCounts(rateRange),
    ]);

    const byProvider = new Map<string, AttemptBucket[]>();
    for (const b of buckets)
      byProvider.set(b.providerId, [...(byProvider.get(b.providerId) ?? []), b]);
    const configured = [...this.roster.list()]
      .sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id))
      .map((p) => p.id);
    const others = [...new Set([...byProvider.keys(), ...latency.map((l) => l.providerId)])]
      .filter((id) => !configured.includes(id))
      .sort();
    const latencyOf = new Map(latency.map((l) => [l.providerId, l]));

    const providers = [...configured, ...others].map((id): ProviderStats => {
      const zeros = () => new Array<number>(q.minutes).fill(0);
      const series = { sent: zeros(), failed: zeros(), failovers: zeros() };
      const totals = { sent: 0, failed: 0, failovers: 0, skipped: 0 };
      for (const b of byProvider.get(id) ?? []) {
        if (b.bucket < 0 || b.bucket >= q.minutes) continue;
        series.sent[b.bucket] += b.sent;
        series.failed[b.bucket] += b.failed;
        series.failovers[b.bucket] += b.failovers;
        totals.sent += b.sent;
        totals.failed += b.failed;
        totals.failovers += b.failovers;
        totals.skipped += b.skipped;
      }
      const calls = totals.sent + totals.failed;
      const l = latencyOf.get(id);
      return {
        id,
        ...series,
        totals,
        successRate: calls ? totals.sent / calls : null,
        latencyMs: l ? { p50: l.p50Ms, p95: l.p95Ms, calls: l.calls } : null,
      };
    });

    return {
      window: {
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        minutes: q.minutes,
        bucketSeconds: MINUTE / 1000,
      },
      providers,
      rates: {
        from: rateRange.from.toISOString(),
        to: rateRange.to.toISOString(),
        hours: q.rateHours,
        ...counts,
        bounceRate: counts.sent ? counts.bounced / counts.sent : null,
        complaintRate: counts.sent ? counts.complained / counts.sent : null,
        warnings: { bounceRate: BOUNCE_WARNING, complaintRate: COMPLAINT_WARNING },
      },
    };
  }
}
