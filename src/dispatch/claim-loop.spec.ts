import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import { DispatchConfig, ServerConfig, StoreConfig } from '../config/config.schema';
import { newId } from '../domain/id';
import { MetricsService } from '../metrics/metrics.service';
import type { EmailRecord, NewEmail } from '../store/email.store';
import { SqliteEmailStore } from '../store/sqlite/sqlite.store';
import { textOnlyEmail } from '../../test/contracts/sample-email';
import { ClaimLoop } from './claim-loop';
import { OutboxSignals } from './outbox-signals';
import type { RoundRunner } from './round-runner';

/*
 * The claim loop on a fake clock (jest modern timers, Date included) against the real SQLite store
 * on a temporary file. The store needs no timer but one: migrations, reads and the lease
 * transactions (renew, release, recover) are promise chains over synchronous better-sqlite3 calls,
 * while the writes that go through its group commit (create, claimDue, finishRound) wait for a
 * setImmediate before they run. Neither kind of immediate lines up with a fake clock: a faked one
 * made inside a timer callback fires 1 ms later (@sinonjs/fake-timers moves zero-delay timers
 * created during a tick to now + 1), so every claim at a poll would end 1 ms late and the polls
 * would drift; a real one races the real timeouts jest yields on between fake timers, so a poll's
 * claim may end after the clock has moved on. So setImmediate is left unfaked but, for these tests
 * only, runs its callback on a microtask (`flushOnMicrotask` below): the group commit still writes
 * every batch in one real SQLite transaction, it only collects a microtask's worth of writes instead
 * of an event-loop turn's. The claim loop itself never calls setImmediate.
 */

const T0 = Date.UTC(2030, 0, 1);
const POLL_MS = 1000;
const LEASE_MS = 6000;
const HEARTBEAT_MS = LEASE_MS / 3;
const GRACE_MS = 5000;
const CLAIM_GAP_MS = 10;

function flushOnMicrotask(): void {
  jest.spyOn(global, 'setImmediate').mockImplementation(((callback: () => void) => {
    void Promise.resolve().then(callback);
  }) as unknown as typeof setImmediate);
}

/** Lets the promise chains (the store's transactions among them) run; no time passes. */
const settle = () => jest.advanceTimersByTimeAsync(0);

interface Round {
  email: EmailRecord;
  owner: string;
  /** Ends the round as the real runner does (its result stored under its lease); answers whether it was. */
  finish(): Promise<boolean>;
}

/**
 * Stands in for RoundRunner: records every round it is given and ends it only when the test says,
 * storing a `sent` result under the round's lease as the real runner would.
 */
class ManualRunner {
  readonly rounds: Round[] = [];
  active = 0;
  maxActive = 0;

  constructor(private readonly store: SqliteEmailStore) {}

  run(email: EmailRecord, owner: string): Promise<boolean> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    return new Promise<boolean>((resolve) => {
      this.rounds.push({
        email,
        owner,
        finish: async () => {
          const stored = await this.store.finishRound(
            email.id,
            owner,
            { status: 'sent', providerId: 'fake', providerMessageId: `m-${email.id}` },
            [],
            new Date(),
          );
          this.active--;
          resolve(stored);
          return stored;
        },
      });
    });
  }

  ids(): string[] {
    return this.rounds.map((r) => r.email.id);
  }
}

interface LoopOptions {
  dispatch?: Partial<DispatchConfig>;
  server?: Partial<ServerConfig>;
  driver?: StoreConfig['driver'];
}

interface LogLine {
  level: string;
  fields: unknown;
  message: unknown;
}

let dir: string;
let store: SqliteEmailStore;
let loops: ClaimLoop[];
let logs: LogLine[];

function logger(): LoggerService {
  const line =
    (level: string) =>
    (fields: unknown, message?: unknown): void => {
      logs.push({ level, fields, message });
    };
  return { log: line('log'), warn: line('warn'), error: line('error'), debug: line('debug') };
}

beforeAll(() => Logger.overrideLogger(logger()));
afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

beforeEach(async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate'], now: T0 });
  flushOnMicrotask();
  logs = [];
  loops = [];
  dir = mkdtempSync(join(tmpdir(), 'mailover-claim-loop-'));
  store = new SqliteEmailStore(join(dir, 'mailover.db'));
  await store.migrate();
});

afterEach(async () => {
  const stops = loops.map((l) => l.beforeApplicationShutdown());
  // A loop stopped while its claim is out notices at the end of that poll's sleep.
  await jest.advanceTimersByTimeAsync(POLL_MS + GRACE_MS);
  await Promise.all(stops);
  const closed = store.close();
  await settle();
  await closed;
  jest.useRealTimers();
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A claim loop on the shared store with its own runner, signals and metrics. `driver: 'postgres'`
 * makes it behave as one worker among several on a shared store (it takes back no leases at
 * start); the SQLite store stands in for that store (one query layer serves both).
 */
function claimLoop({ dispatch, server, driver = 'sqlite' }: LoopOptions = {}) {
  const runner = new ManualRunner(store);
  const signals = new OutboxSignals();
  const metrics = new MetricsService();
  const loop = new ClaimLoop(
    store,
    runner as unknown as RoundRunner,
    signals,
    Object.assign(new DispatchConfig(), {
      concurrency: 3,
      pollIntervalMs: POLL_MS,
      leaseMs: LEASE_MS,
      claimBatch: 200,
      ...dispatch,
    }),
    Object.assign(new ServerConfig(), { role: 'worker', shutdownGraceMs: GRACE_MS, ...server }),
    Object.assign(new StoreConfig(), { driver }),
    metrics,
  );
  loops.push(loop);
  return { loop, runner, signals, metrics };
}

/**
 * The time in each new id, a millisecond apart across the whole file: ids sort in the order the
 * emails were stored, so the claim's order (due time, then id) is the order they were stored in.
 * (newId(Date.now()) would not do: the fake clock goes back to T0 every test.)
 */
let idTime = T0 - 3_600_000;

function draft(patch: Partial<NewEmail> = {}): NewEmail {
  const now = new Date();
  const id = newId(idTime++);
  return {
    id,
    tenant: 'tenant-a',
    message: textOnlyEmail({ id }),
    providers: null,
    sendAt: null,
    dueAt: now,
    status: 'queued',
    createdAt: now,
    ...patch,
  };
}

/** Stores emails due now (or as `patch` says); answers them in order. */
async function stored(count: number, patch: Partial<NewEmail> = {}): Promise<EmailRecord[]> {
  const creating = Array.from({ length: count }, () => store.create(draft(patch)));
  await settle();
  return (await Promise.all(creating)).map((r) => {
    if (r.kind !== 'created') throw new Error(`expected created, got ${r.kind}`);
    return r.email;
  });
}

/** Claims due emails straight from the store, as another worker (or a dead process) would. */
async function claimAs(owner: string, limit = 100): Promise<EmailRecord[]> {
  const claiming = store.claimDue(owner, new Date(), LEASE_MS, limit);
  await settle();
  return claiming;
}

async function row(id: string) {
  return store.database
    .selectFrom('emails')
    .select(['status', 'lease_owner', 'lease_until', 'due_at', 'rounds'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function leasesRecovered(metrics: MetricsService): Promise<number> {
  return (await metrics.leasesRecovered.get()).values[0]?.value ?? 0;
}

/** Records when the loop asks the store for due emails (the real claim still runs). */
function claimTimes(): number[] {
  const times: number[] = [];
  const claimDue = store.claimDue.bind(store);
  jest.spyOn(store, 'claimDue').mockImplementation((...args) => {
    times.push(Date.now() - T0);
    return claimDue(...args);
  });
  return times;
}

/** Ends a round and lets its result reach the store (through the group commit). */
async function end(round: Round): Promise<boolean> {
  const ended = round.finish();
  await settle();
  return ended;
}

const ids = (emails: EmailRecord[]) => emails.map((e) => e.id);

describe('ClaimLoop on a fake clock', () => {
  describe('concurrency', () => {
    it('runs at most `concurrency` rounds at once, and claims the next email as soon as a slot frees, not at the next poll', async () => {
      const emails = await stored(5);
      const { loop, runner } = claimLoop({ dispatch: { concurrency: 3 } });
      await loop.onApplicationBootstrap();
      await settle();
      expect(runner.ids()).toEqual(ids(emails.slice(0, 3)));
      expect(runner.rounds.every((r) => r.owner === loop.owner)).toBe(true);

      await jest.advanceTimersByTimeAsync(100);
      expect(runner.rounds).toHaveLength(3);
      expect(await end(runner.rounds[0])).toBe(true);
      await settle();
      // 100 ms into a 1000 ms poll interval: the freed slot woke the loop.
      expect(runner.ids()).toEqual(ids(emails.slice(0, 4)));
      expect(runner.active).toBe(3);

      await jest.advanceTimersByTimeAsync(100);
      expect(await end(runner.rounds[1])).toBe(true);
      await settle();
      expect(runner.ids()).toEqual(ids(emails));

      for (const r of runner.rounds.slice(2)) expect(await end(r)).toBe(true);
      await jest.advanceTimersByTimeAsync(POLL_MS * 3);
      expect(runner.rounds).toHaveLength(5);
      expect(runner.maxActive).toBe(3);
      for (const e of emails) expect((await row(e.id)).status).toBe('sent');
    });

    it('wakes early only once a worthwhile share of slots (a quarter of concurrency) is free; one freed slot waits for the poll', async () => {
      const emails = await stored(12);
      const { loop, runner } = claimLoop({ dispatch: { concurrency: 8 } });
      const claims = claimTimes();
      await loop.onApplicationBootstrap();
      await settle();
      expect(runner.rounds).toHaveLength(8);

      await jest.advanceTimersByTimeAsync(100);
      await end(runner.rounds[0]);
      await jest.advanceTimersByTimeAsync(100);
      // One free slot of eight: no claim before the poll.
      expect(runner.rounds).toHaveLength(8);
      expect(claims).toEqual([0]);

      await end(runner.rounds[1]);
      await settle();
      // Two free (8 / 4): the loop claims both at once, 200 ms into the poll interval.
      expect(claims).toEqual([0, 200]);
      expect(runner.ids()).toEqual(ids(emails.slice(0, 10)));
      expect(runner.maxActive).toBe(8);
    });
  });

  describe('poll interval', () => {
    it('claims a scheduled email at the first poll after its time, not before', async () => {
      const { loop, runner } = claimLoop();
      const claims = claimTimes();
      await loop.onApplicationBootstrap();
      await settle();
      const [email] = await stored(1, {
        status: 'scheduled',
        sendAt: new Date(T0 + 2500),
        dueAt: new Date(T0 + 2500),
      });

      await jest.advanceTimersByTimeAsync(2500);
      expect(runner.rounds).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(499);
      expect(runner.rounds).toHaveLength(0);
      expect((await row(email.id)).status).toBe('scheduled');

      await jest.advanceTimersByTimeAsync(1);
      expect(runner.ids()).toEqual([email.id]);
      expect(claims).toEqual([0, 1000, 2000, 3000]);
      expect(await row(email.id)).toMatchObject({
        status: 'sending',
        lease_owner: loop.owner,
        lease_until: T0 + 3000 + LEASE_MS,
      });
    });
  });

  describe('heartbeat', () => {
    it('renews the lease of a round in flight every leaseMs / 3, so another worker cannot take it however long the round runs', async () => {
      const [email] = await stored(1);
      const { loop, runner } = claimLoop({ driver: 'postgres' });
      await loop.onApplicationBootstrap();
      await settle();
      expect(runner.ids()).toEqual([email.id]);
      expect((await row(email.id)).lease_until).toBe(T0 + LEASE_MS);
      const other = claimLoop({ driver: 'postgres' });
      await other.loop.onApplicationBootstrap();

      await jest.advanceTimersByTimeAsync(HEARTBEAT_MS - 1);
      expect((await row(email.id)).lease_until).toBe(T0 + LEASE_MS);
      await jest.advanceTimersByTimeAsync(1);
      expect((await row(email.id)).lease_until).toBe(T0 + HEARTBEAT_MS + LEASE_MS);

      // Three leases long, polled by the other loop every second all along.
      await jest.advanceTimersByTimeAsync(3 * LEASE_MS - HEARTBEAT_MS);
      expect(await row(email.id)).toMatchObject({
        status: 'sending',
        lease_owner: loop.owner,
        lease_until: T0 + 3 * LEASE_MS + LEASE_MS,
      });
      expect(other.runner.rounds).toHaveLength(0);
      expect(await claimAs('third-worker')).toEqual([]);

      expect(await end(runner.rounds[0])).toBe(true);
      expect((await row(email.id)).status).toBe('sent');
    });
  });

  describe('lease expiry', () => {
    it('takes over an email whose worker stopped renewing it at the first poll after the lease ran out, and counts it', async () => {
      const [email] = await stored(1);
      expect(ids(await claimAs('dead-worker'))).toEqual([email.id]);
      const { loop, runner, metrics } = claimLoop({ driver: 'postgres' });
      await loop.onApplicationBootstrap();
      await settle();
      expect(runner.rounds).toHaveLength(0);

      // The lease runs until T0 + leaseMs; the poll at that very instant still finds it held.
      await jest.advanceTimersByTimeAsync(LEASE_MS + POLL_MS - 1);
      expect(runner.rounds).toHaveLength(0);
      expect(await leasesRecovered(metrics)).toBe(0);

      await jest.advanceTimersByTimeAsync(1);
      expect(runner.ids()).toEqual([email.id]);
      expect(runner.rounds[0].email).toMatchObject({ leaseRecovered: true, rounds: 2 });
      expect(await leasesRecovered(metrics)).toBe(1);
      expect(await row(email.id)).toMatchObject({
        lease_owner: loop.owner,
        lease_until: T0 + LEASE_MS + POLL_MS + LEASE_MS,
      });
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          fields: { emailId: email.id },
          message: 'took over an email whose worker stopped renewing it',
        }),
      );
      // The dead worker can no longer store a result for it.
      const late = store.finishRound(
        email.id,
        'dead-worker',
        { status: 'failed', error: 'late' },
        [],
        new Date(),
      );
      await settle();
      expect(await late).toBe(false);
    });
  });

  describe('reservations', () => {
    it('holds a slot per reservation; adopt starts the round at once, cancel gives the slot back', async () => {
      const { loop, runner, signals } = claimLoop({ dispatch: { concurrency: 3 } });
      await loop.onApplicationBootstrap();
      await settle();
      const first = signals.reserve()!;
      const second = signals.reserve()!;
      expect(first).toMatchObject({ owner: loop.owner, leaseUntil: new Date(T0 + LEASE_MS) });
      expect(second).toBeDefined();

      const due = await stored(3);
      signals.wake();
      await jest.advanceTimersByTimeAsync(CLAIM_GAP_MS);
      // Two of three slots are held: one claimed.
      expect(runner.ids()).toEqual([due[0].id]);
      expect(signals.reserve()).toBeUndefined();

      const [adopted] = await stored(1, { lease: { owner: first.owner, until: first.leaseUntil } });
      first.adopt(adopted);
      expect(runner.ids()).toEqual([due[0].id, adopted.id]);
      first.adopt(adopted);
      first.cancel();
      expect(runner.rounds).toHaveLength(2);
      expect(signals.reserve()).toBeUndefined();

      second.cancel();
      second.cancel();
      // The slot is free again; the next poll (1000 ms after the last claim) fills it, and only it.
      await jest.advanceTimersByTimeAsync(POLL_MS - 1);
      expect(runner.rounds).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(runner.ids()).toEqual([due[0].id, adopted.id, due[1].id]);
      expect(runner.maxActive).toBe(3);
      expect(signals.reserve()).toBeUndefined();

      // The adopted round holds its lease like a claimed one (renewed by the heartbeat).
      expect(await row(adopted.id)).toMatchObject({ status: 'sending', lease_owner: loop.owner });
      expect(await end(runner.rounds[1])).toBe(true);
    });

    it('gives no reservation once stopping, and does not start an email adopted after the loop stopped', async () => {
      const { loop, runner, signals } = claimLoop();
      await loop.onApplicationBootstrap();
      await settle();
      const reservation = signals.reserve()!;
      expect(reservation).toBeDefined();

      await loop.beforeApplicationShutdown();
      expect(signals.reserve()).toBeUndefined();
      const [email] = await stored(1, {
        lease: { owner: reservation.owner, until: reservation.leaseUntil },
      });
      reservation.adopt(email);
      await settle();
      expect(runner.rounds).toHaveLength(0);
      // Still leased to the stopped worker: another takes it when the lease runs out.
      expect(await row(email.id)).toMatchObject({
        status: 'sending',
        lease_until: T0 + LEASE_MS,
      });
    });

    it('gives no reservation while the application is stopping, even before the loop stops', async () => {
      const { loop, signals } = claimLoop();
      await loop.onApplicationBootstrap();
      expect(signals.reserve()).toBeDefined();
      signals.beforeApplicationShutdown();
      expect(signals.reserve()).toBeUndefined();
    });
  });

  describe('wake', () => {
    it('claims at once on a wake-up instead of at the next poll, but never twice within the 10 ms claim gap', async () => {
      const { loop, runner, signals } = claimLoop();
      const claims = claimTimes();
      await loop.onApplicationBootstrap();
      await settle();

      await jest.advanceTimersByTimeAsync(100);
      const [email] = await stored(1);
      signals.wake();
      await settle();
      expect(runner.ids()).toEqual([email.id]);
      expect(claims).toEqual([0, 100]);

      // A storm of wake-ups, one every millisecond for 40 ms: a claim every 10 ms, the last one
      // 10 ms after the last wake-up.
      for (let i = 0; i < 40; i++) {
        await jest.advanceTimersByTimeAsync(1);
        signals.wake();
      }
      await jest.advanceTimersByTimeAsync(CLAIM_GAP_MS);
      expect(claims).toEqual([0, 100, 110, 120, 130, 140, 150]);
      const gaps = claims.slice(1).map((t, i) => t - claims[i]);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(CLAIM_GAP_MS);

      // Quiet again: back to the poll interval.
      await jest.advanceTimersByTimeAsync(POLL_MS);
      expect(claims).toEqual([0, 100, 110, 120, 130, 140, 150, 150 + POLL_MS]);
    });
  });

  describe('shutdown', () => {
    it('stops claiming, waits for rounds in flight within the grace period, then releases the unfinished ones to any worker', async () => {
      const emails = await stored(3);
      const { loop, runner, signals } = claimLoop({ dispatch: { concurrency: 3 } });
      await loop.onApplicationBootstrap();
      await settle();
      expect(runner.rounds).toHaveLength(3);

      await jest.advanceTimersByTimeAsync(100);
      let stopped = false;
      const stopping = loop.beforeApplicationShutdown().then(() => (stopped = true));
      await settle();
      const [late] = await stored(1);
      signals.wake();
      await jest.advanceTimersByTimeAsync(1000);
      expect(await end(runner.rounds[0])).toBe(true);
      await jest.advanceTimersByTimeAsync(2 * POLL_MS);
      // A slot freed and an email is due, but a stopping loop claims nothing.
      expect(runner.rounds).toHaveLength(3);
      expect((await row(late.id)).status).toBe('queued');

      await jest.advanceTimersByTimeAsync(GRACE_MS - 1000 - 2 * POLL_MS - 1);
      expect(stopped).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await stopping;
      expect(Date.now()).toBe(T0 + 100 + GRACE_MS);
      // The heartbeat stopped with it, though two rounds never ended.
      const renew = jest.spyOn(store, 'renewLeases');
      await jest.advanceTimersByTimeAsync(2 * HEARTBEAT_MS);
      expect(renew).not.toHaveBeenCalled();

      expect((await row(emails[0].id)).status).toBe('sent');
      for (const e of emails.slice(1))
        expect(await row(e.id)).toMatchObject({
          status: 'queued',
          lease_owner: null,
          due_at: T0 + 100 + GRACE_MS,
        });
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          fields: { released: 2 },
          message: 'shutdown grace over: unfinished emails released',
        }),
      );
      // Due at once for the next worker, no lease to wait out.
      expect(ids(await claimAs('next-worker')).sort()).toEqual(
        [emails[1].id, emails[2].id, late.id].sort(),
      );
      // The abandoned round cannot store a result over the new owner's lease.
      expect(await end(runner.rounds[1])).toBe(false);
    });

    it('ends as soon as the last round in flight finishes within the grace period, releasing nothing', async () => {
      const emails = await stored(2);
      const { loop, runner } = claimLoop();
      await loop.onApplicationBootstrap();
      await settle();
      let stopped = false;
      const stopping = loop.beforeApplicationShutdown().then(() => (stopped = true));

      await jest.advanceTimersByTimeAsync(500);
      await end(runner.rounds[0]);
      await jest.advanceTimersByTimeAsync(1000);
      expect(stopped).toBe(false);
      await end(runner.rounds[1]);
      await settle();
      await stopping;
      expect(Date.now()).toBe(T0 + 1500);
      for (const e of emails) expect((await row(e.id)).status).toBe('sent');
      expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
      expect(logs).toContainEqual(
        expect.objectContaining({ fields: { finished: 2 }, message: 'outbox worker stopped' }),
      );
    });
  });

  describe('stopping while a claim is out', () => {
    it('starts no round from that claim and gives its emails back at once', async () => {
      const emails = await stored(2);
      const { loop, runner } = claimLoop();
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const claimDue = store.claimDue.bind(store);
      jest.spyOn(store, 'claimDue').mockImplementationOnce(async (...args) => {
        const batch = await claimDue(...args);
        await gate;
        return batch;
      });
      await loop.onApplicationBootstrap();
      await settle();
      // Claimed in the store under this loop's lease; the answer has not reached the loop yet.
      for (const e of emails) expect((await row(e.id)).lease_owner).toBe(loop.owner);

      const stopping = loop.beforeApplicationShutdown();
      await jest.advanceTimersByTimeAsync(100);
      open();
      await settle();
      await stopping;
      expect(Date.now()).toBe(T0 + 100);
      expect(runner.rounds).toHaveLength(0);
      for (const e of emails)
        expect(await row(e.id)).toMatchObject({
          status: 'queued',
          lease_owner: null,
          due_at: T0 + 100,
        });
      expect(logs).toContainEqual(
        expect.objectContaining({
          fields: { released: 2 },
          message: 'claimed while stopping: released',
        }),
      );
      expect(ids(await claimAs('next-worker')).sort()).toEqual(ids(emails).sort());
    });
  });

  describe('store failures', () => {
    it('logs a failed poll and claims at the next one', async () => {
      const [email] = await stored(1);
      const { loop, runner } = claimLoop();
      const claims: number[] = [];
      const claimDue = store.claimDue.bind(store);
      jest
        .spyOn(store, 'claimDue')
        .mockImplementationOnce(() => {
          claims.push(Date.now() - T0);
          return Promise.reject(new Error('database is locked'));
        })
        .mockImplementation((...args) => {
          claims.push(Date.now() - T0);
          return claimDue(...args);
        });
      await loop.onApplicationBootstrap();
      await settle();
      expect(runner.rounds).toHaveLength(0);
      expect(logs).toContainEqual({
        level: 'error',
        fields: { err: { message: 'database is locked' } },
        message: 'outbox poll failed',
      });

      await jest.advanceTimersByTimeAsync(POLL_MS);
      expect(claims).toEqual([0, POLL_MS]);
      expect(runner.ids()).toEqual([email.id]);
    });

    it('logs a failed lease renewal and renews at the next heartbeat, before the lease runs out', async () => {
      const [email] = await stored(1);
      const { loop, runner } = claimLoop({ driver: 'postgres' });
      await loop.onApplicationBootstrap();
      await settle();
      expect(runner.ids()).toEqual([email.id]);
      jest.spyOn(store, 'renewLeases').mockRejectedValueOnce(new Error('connection terminated'));

      await jest.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(logs).toContainEqual({
        level: 'error',
        fields: { err: { message: 'connection terminated' } },
        message: 'lease renewal failed',
      });
      expect((await row(email.id)).lease_until).toBe(T0 + LEASE_MS);

      await jest.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect((await row(email.id)).lease_until).toBe(T0 + 2 * HEARTBEAT_MS + LEASE_MS);
      expect(await claimAs('other-worker')).toEqual([]);
    });
  });

  describe('start', () => {
    it('on SQLite takes back every email a previous process had claimed, counts them, and sends them at once', async () => {
      const emails = await stored(3);
      const taken = ids(await claimAs('previous-process', 2));
      expect(taken).toHaveLength(2);
      const { loop, runner, metrics } = claimLoop({ driver: 'sqlite' });
      await loop.onApplicationBootstrap();
      expect(await leasesRecovered(metrics)).toBe(2);
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          fields: { recovered: 2 },
          message: 'took back the emails a previous process had claimed',
        }),
      );

      await settle();
      // At start, not leaseMs later; claimed as due again, so not counted a second time.
      expect(Date.now()).toBe(T0);
      expect(runner.ids()).toEqual(ids(emails));
      for (const { email } of runner.rounds)
        expect(email.rounds).toBe(taken.includes(email.id) ? 2 : 1);
      for (const id of taken)
        expect(await row(id)).toMatchObject({
          status: 'sending',
          lease_owner: loop.owner,
          lease_until: T0 + LEASE_MS,
        });
      expect(await leasesRecovered(metrics)).toBe(2);
    });

    it('on a shared store (PostgreSQL) leaves other workers’ leases alone at start', async () => {
      const emails = await stored(3);
      const taken = ids(await claimAs('live-worker', 2));
      const { loop, runner, metrics } = claimLoop({ driver: 'postgres' });
      await loop.onApplicationBootstrap();
      await settle();
      expect(runner.ids()).toEqual(ids(emails).filter((id) => !taken.includes(id)));
      expect(await leasesRecovered(metrics)).toBe(0);
      for (const id of taken)
        expect(await row(id)).toMatchObject({ status: 'sending', lease_owner: 'live-worker' });
    });

    it('in the api role does nothing: no lease taken back, no claim, no timers, no reservations', async () => {
      const [, , free] = await stored(3);
      const [taken] = await claimAs('previous-process', 1);
      const { loop, runner, signals, metrics } = claimLoop({ server: { role: 'api' } });
      const claims = claimTimes();
      await loop.onApplicationBootstrap();
      await settle();
      expect(jest.getTimerCount()).toBe(0);

      signals.wake();
      await jest.advanceTimersByTimeAsync(LEASE_MS * 2);
      expect(claims).toEqual([]);
      expect(runner.rounds).toHaveLength(0);
      expect(signals.reserve()).toBeUndefined();
      expect(await leasesRecovered(metrics)).toBe(0);
      expect(await row(taken.id)).toMatchObject({
        status: 'sending',
        lease_owner: 'previous-process',
      });
      if (free.id !== taken.id) expect((await row(free.id)).status).toBe('queued');
      await expect(loop.beforeApplicationShutdown()).resolves.toBeUndefined();
    });
  });
});
