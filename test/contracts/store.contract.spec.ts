import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { Client } from 'pg';
import { ConfigModule } from '../../src/config/config.module';
import { AppConfig } from '../../src/config/config.schema';
import type { OutboundEmail } from '../../src/domain/email';
import { newId } from '../../src/domain/id';
import {
  EMAIL_STORE,
  type AttemptRecord,
  type CreateResult,
  type EmailRecord,
  type EmailStore,
  type IdempotencyClaim,
  type NewEmail,
  type NonceClaim,
} from '../../src/store/email.store';
import { claimScan, type KyselyEmailStore } from '../../src/store/kysely-email.store';
import { PostgresEmailStore } from '../../src/store/postgres/postgres.store';
import { SQLITE, SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import { migrationProvider } from '../../src/store/migrations/migrations';
import type { StoreTables } from '../../src/store/store.tables';
import { StoreModule } from '../../src/store/store.module';
import { PIXEL_PNG, RECEIPT_BYTES, sampleEmail } from './sample-email';

const POSTGRES_URL =
  process.env.MAILOVER_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Fresh, empty storage that store instances can be opened on (again and again). */
interface Storage {
  open(): KyselyEmailStore;
}

interface StoreHarness {
  name: string;
  /** Whether two instances in this one process may write at once (SQLite's lock waits block the thread). */
  concurrentInstances: boolean;
  storage(): Promise<Storage>;
  cleanup(): Promise<void>;
}

function sqliteHarness(): StoreHarness {
  let dir: string | undefined;
  let n = 0;
  return {
    name: 'sqlite',
    concurrentInstances: false,
    storage() {
      dir ??= mkdtempSync(join(tmpdir(), 'mailover-store-'));
      const file = join(dir, `nested/dir/store-${++n}.db`);
      return Promise.resolve({ open: () => new SqliteEmailStore(file) });
    },
    cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** Each storage is its own schema, so parallel runs and tests never see each other's rows. */
function postgresHarness(): StoreHarness {
  const prefix = `store_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const schemas: string[] = [];
  let admin: Client | undefined;
  return {
    name: 'postgres',
    concurrentInstances: true,
    async storage() {
      if (!admin) {
        admin = new Client({ connectionString: POSTGRES_URL });
        await admin.connect();
      }
      const schema = `${prefix}_${schemas.length + 1}`;
      await admin.query(`create schema "${schema}"`);
      schemas.push(schema);
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return { open: () => new PostgresEmailStore({ url: url.toString(), poolSize: 5 }) };
    },
    async cleanup() {
      if (!admin) return;
      for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    },
  };
}

const T0 = Date.UTC(2030, 0, 1);
const at = (ms: number) => new Date(T0 + ms);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A new email created at `t` (ms after T0); its id sorts by that time. */
function draft(
  t: number,
  patch: Partial<Omit<NewEmail, 'message'>> & { message?: Partial<OutboundEmail> } = {},
): NewEmail {
  const id = patch.id ?? newId(T0 + t);
  const { message, ...rest } = patch;
  return {
    id,
    tenant: 'tenant-a',
    message: sampleEmail({ id, ...message }),
    providers: null,
    sendAt: null,
    dueAt: at(t),
    status: 'queued',
    createdAt: at(t),
    ...rest,
  };
}

function attempt(emailId: string, t: number, patch: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    emailId,
    providerId: 'mailgun',
    outcome: 'sent',
    providerStatus: 200,
    errorCode: null,
    error: null,
    durationMs: 42,
    at: at(t),
    ...patch,
  };
}

function created(result: CreateResult): EmailRecord {
  if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`);
  return result.email;
}

const key = (k: string, requestHash = 'hash-1', scope = 'key-a'): IdempotencyClaim => ({
  scope,
  key: k,
  requestHash,
});
const ids = (records: EmailRecord[]) => records.map((r) => r.id);

describe.each([sqliteHarness(), postgresHarness()].map((h): [string, StoreHarness] => [h.name, h]))(
  '%s email store contract',
  (_name, harness) => {
    let storage: Storage;
    let store: KyselyEmailStore;
    let opened: KyselyEmailStore[] = [];

    /** Another instance on the same storage (a restart, or a second process). */
    const open = () => {
      const instance = storage.open();
      opened.push(instance);
      return instance;
    };

    beforeEach(async () => {
      storage = await harness.storage();
      store = open();
      await store.migrate();
    });

    afterEach(async () => {
      for (const instance of opened) await instance.close();
      opened = [];
    });

    afterAll(() => harness.cleanup());

    const itWithConcurrentInstances = harness.concurrentInstances ? it : it.skip;

    describe('migrations', () => {
      it('reports pending migrations, applies them, and is idempotent on reopen', async () => {
        storage = await harness.storage();
        const fresh = open();
        expect(await fresh.isMigrated()).toBe(false);
        await fresh.migrate();
        expect(await fresh.isMigrated()).toBe(true);
        await fresh.migrate();
        await fresh.ping();
        await fresh.close();

        const reopened = open();
        expect(await reopened.isMigrated()).toBe(true);
        await reopened.migrate();
        expect(await reopened.isMigrated()).toBe(true);
        await reopened.ping();
      });

      itWithConcurrentInstances('lets two instances boot and migrate at once', async () => {
        storage = await harness.storage();
        const [a, b] = [open(), open()];
        await Promise.all([a.migrate(), b.migrate()]);
        expect(await a.isMigrated()).toBe(true);
        expect(await b.isMigrated()).toBe(true);
      });
    });

    describe('create, get and attempts', () => {
      it('round-trips every field of the email, attachment bytes included', async () => {
        const email = draft(0, {
          providers: ['mailgun', 'ses'],
          sendAt: at(HOUR),
          dueAt: at(HOUR),
          status: 'scheduled',
        });
        const expected: EmailRecord = {
          id: email.id,
          tenant: 'tenant-a',
          status: 'scheduled',
          message: sampleEmail({ id: email.id }),
          providers: ['mailgun', 'ses'],
          sendAt: at(HOUR),
          dueAt: at(HOUR),
          createdAt: at(0),
          updatedAt: at(0),
          rounds: 0,
          providerId: null,
          providerMessageId: null,
          lastError: null,
        };

        const result = await store.create(email);
        expect(result).toEqual({ kind: 'created', email: expected });
        const stored = await store.get(email.id);
        expect(stored).toEqual(expected);
        const [receipt, logo] = stored!.message.attachments;
        expect(Buffer.isBuffer(receipt.content)).toBe(true);
        expect(receipt.content.equals(RECEIPT_BYTES)).toBe(true);
        expect(logo.content.equals(PIXEL_PNG)).toBe(true);
        expect(logo.contentId).toBe('logo');
        expect(await store.get(newId(T0))).toBeUndefined();
      });

      it('round-trips a minimal email with no providers, no sendAt and no optional fields', async () => {
        const email = draft(0, {
          message: {
            cc: [],
            bcc: [],
            replyTo: undefined,
            html: undefined,
            attachments: [],
            tags: [],
            metadata: {},
            headers: {},
          },
        });
        const record = created(await store.create(email));
        expect(record).toMatchObject({
          providers: null,
          sendAt: null,
          dueAt: at(0),
          status: 'queued',
        });
        expect(await store.get(email.id)).toEqual(record);
      });

      it('records every attempt of every round, in order, with the round result', async () => {
        const email = draft(0);
        created(await store.create(email));

        const [first] = await store.claimDue('w1', at(0), MINUTE, 10);
        const round1 = [
          attempt(email.id, 1, {
            providerId: 'mailgun',
            outcome: 'retryable',
            providerStatus: 503,
            errorCode: 'service_unavailable',
            error: 'try later',
            durationMs: 1500,
          }),
          attempt(email.id, 2, {
            providerId: 'ses',
            outcome: 'ambiguous',
            providerStatus: null,
            error: 'socket hang up',
          }),
        ];
        expect(
          await store.finishRound(
            first.id,
            'w1',
            { status: 'rescheduled', dueAt: at(MINUTE), error: 'all failed' },
            round1,
            at(3),
          ),
        ).toBe(true);
        expect(await store.get(email.id)).toMatchObject({
          status: 'queued',
          dueAt: at(MINUTE),
          lastError: 'all failed',
          rounds: 1,
          updatedAt: at(3),
        });

        expect(await store.claimDue('w1', at(MINUTE - 1), MINUTE, 10)).toEqual([]);
        const [second] = await store.claimDue('w1', at(MINUTE), MINUTE, 10);
        expect(second.rounds).toBe(2);
        const round2 = [
          attempt(email.id, MINUTE + 1, {
            providerId: 'postmark',
            outcome: 'skipped',
            providerStatus: null,
            durationMs: 0,
          }),
          attempt(email.id, MINUTE + 2, { providerId: 'sendgrid' }),
        ];
        expect(
          await store.finishRound(
            email.id,
            'w1',
            { status: 'sent', providerId: 'sendgrid', providerMessageId: 'sg-1' },
            round2,
            at(MINUTE + 3),
          ),
        ).toBe(true);

        expect(await store.attempts(email.id)).toEqual([...round1, ...round2]);
        expect(await store.get(email.id)).toMatchObject({
          status: 'sent',
          providerId: 'sendgrid',
          providerMessageId: 'sg-1',
          lastError: null,
          rounds: 2,
          updatedAt: at(MINUTE + 3),
        });
        expect(await store.attempts(newId(T0))).toEqual([]);
      });

      it('ends a round as failed', async () => {
        const email = draft(0);
        await store.create(email);
        await store.claimDue('w1', at(0), MINUTE, 1);
        const attempts = [
          attempt(email.id, 1, {
            outcome: 'permanent',
            providerStatus: 550,
            error: 'no such user',
          }),
        ];
        expect(
          await store.finishRound(
            email.id,
            'w1',
            { status: 'failed', error: 'no such user' },
            attempts,
            at(2),
          ),
        ).toBe(true);
        expect(await store.get(email.id)).toMatchObject({
          status: 'failed',
          lastError: 'no such user',
        });
        expect(await store.claimDue('w1', at(HOUR), MINUTE, 10)).toEqual([]);
      });
    });

    describe('group commit', () => {
      it('writes 200 concurrent creates and finishRounds in one transaction', async () => {
        const leased = Array.from({ length: 10 }, (_, i) => draft(i));
        await Promise.all(leased.map((e) => store.create(e)));
        await store.claimDue('w1', at(SECOND), MINUTE, 10);

        const before = { ...store.groupCommitStats };
        const emails = Array.from({ length: 200 }, (_, i) => draft(SECOND + i));
        const [creates, finishes] = await Promise.all([
          Promise.all(emails.map((e) => store.create(e))),
          Promise.all(
            leased.map((e) =>
              store.finishRound(
                e.id,
                'w1',
                { status: 'sent', providerId: 'p', providerMessageId: e.id },
                [attempt(e.id, SECOND)],
                at(SECOND),
              ),
            ),
          ),
        ]);

        expect(creates.map((r) => r.kind)).toEqual(emails.map(() => 'created'));
        expect(finishes).toEqual(leased.map(() => true));
        expect(store.groupCommitStats.writes - before.writes).toBe(210);
        expect(store.groupCommitStats.transactions - before.transactions).toBe(1);
        const stored = await store.list({ limit: 1000 });
        expect(stored).toHaveLength(210);
        expect(new Set(ids(stored))).toEqual(new Set([...emails, ...leased].map((e) => e.id)));
        expect((await store.list({ status: 'sent', limit: 1000 })).length).toBe(10);
        for (const e of leased) expect(await store.attempts(e.id)).toHaveLength(1);
      });

      it('gathers writes that arrive while a commit is in flight into the next transaction', async () => {
        const before = { ...store.groupCommitStats };
        const first = store.create(draft(0));
        await new Promise(setImmediate);
        const rest = Array.from({ length: 50 }, (_, i) => store.create(draft(i + 1)));
        await Promise.all([first, ...rest]);
        expect(store.groupCommitStats.transactions - before.transactions).toBe(2);
        expect(await store.list({ limit: 100 })).toHaveLength(51);
      });

      it('fails only the failing item of a batch', async () => {
        const existing = draft(0);
        await store.create(existing, key('k1', 'hash-1'));
        const leased = draft(1);
        await store.create(leased);
        await store.claimDue('w1', at(1), MINUTE, 10);

        const before = { ...store.groupCommitStats };
        const good = Array.from({ length: 20 }, (_, i) => draft(10 + i));
        const duplicateId = draft(5, { id: existing.id });
        const outcomes = await Promise.allSettled([
          ...good.slice(0, 10).map((e) => store.create(e)),
          store.create(duplicateId),
          store.create(draft(6), key('k1', 'hash-2')),
          store.create(draft(7), key('k1', 'hash-1')),
          store.finishRound(
            leased.id,
            'not-the-owner',
            { status: 'failed', error: 'x' },
            [],
            at(2),
          ),
          ...good.slice(10).map((e) => store.create(e)),
        ]);

        expect(store.groupCommitStats.transactions - before.transactions).toBe(1);
        const values = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'));
        expect(values[10]).toBe('rejected');
        expect(values[11]).toEqual({ kind: 'mismatch' });
        expect(values[12]).toMatchObject({ kind: 'replayed', email: { id: existing.id } });
        expect(values[13]).toBe(false);
        for (const v of [...values.slice(0, 10), ...values.slice(14)])
          expect(v).toMatchObject({ kind: 'created' });
        expect(await store.list({ limit: 100 })).toHaveLength(22);
        expect((await store.get(existing.id))!.createdAt).toEqual(at(0));
        expect((await store.get(leased.id))!.status).toBe('sending');
      });

      it('answers a lone failing write with its error', async () => {
        const email = draft(0);
        await store.create(email);
        await expect(store.create(draft(1, { id: email.id }))).rejects.toThrow();
        expect(await store.list({ limit: 10 })).toHaveLength(1);
      });
    });

    describe('idempotency keys', () => {
      it('replays the first email, as it is now, for the same key and request', async () => {
        const first = draft(0);
        expect(await store.create(first, key('k'))).toMatchObject({
          kind: 'created',
          email: { id: first.id },
        });
        await store.claimDue('w1', at(1), MINUTE, 10);

        const again = draft(2);
        const result = await store.create(again, key('k'));
        expect(result).toEqual({
          kind: 'replayed',
          email: await store.get(first.id),
          originalStatus: 'queued',
        });
        expect(result.kind === 'replayed' && result.email.status).toBe('sending');
        expect(await store.get(again.id)).toBeUndefined();
      });

      it('keeps the original status of a scheduled email', async () => {
        const first = draft(0, { status: 'scheduled', sendAt: at(HOUR), dueAt: at(HOUR) });
        await store.create(first, key('k'));
        expect(await store.create(draft(1), key('k'))).toMatchObject({
          kind: 'replayed',
          originalStatus: 'scheduled',
        });
      });

      it('refuses the same key with another request and stores nothing', async () => {
        const first = draft(0);
        await store.create(first, key('k', 'hash-1'));
        const other = draft(1);
        expect(await store.create(other, key('k', 'hash-2'))).toEqual({ kind: 'mismatch' });
        expect(await store.get(other.id)).toBeUndefined();
        expect(ids(await store.list({ limit: 10 }))).toEqual([first.id]);
      });

      it('keeps scopes apart', async () => {
        created(await store.create(draft(0), key('k', 'h', 'client-1')));
        created(await store.create(draft(1), key('k', 'h', 'client-2')));
        expect(await store.list({ limit: 10 })).toHaveLength(2);
      });

      it('creates exactly one email from 50 concurrent creates with one key', async () => {
        const emails = Array.from({ length: 50 }, (_, i) => draft(i));
        const results = await Promise.all(emails.map((e) => store.create(e, key('k'))));
        const winners = results.filter((r) => r.kind === 'created');
        expect(winners).toHaveLength(1);
        const winnerId = created(winners[0]).id;
        for (const r of results.filter((x) => x.kind !== 'created')) {
          expect(r).toMatchObject({
            kind: 'replayed',
            email: { id: winnerId },
            originalStatus: 'queued',
          });
        }
        expect(ids(await store.list({ limit: 100 }))).toEqual([winnerId]);
      });

      /** Across processes; SQLite's equivalent is its single write lock (BEGIN IMMEDIATE). */
      itWithConcurrentInstances(
        'creates exactly one email when two instances race on one key',
        async () => {
          const other = open();
          const emails = Array.from({ length: 50 }, (_, i) => draft(i));
          const results = await Promise.all(
            emails.map((e, i) => (i % 2 ? other : store).create(e, key('k'))),
          );
          expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
          expect(results.filter((r) => r.kind === 'replayed')).toHaveLength(49);
          expect(await store.list({ limit: 100 })).toHaveLength(1);
        },
      );

      it('purges keys created before a time, freeing them', async () => {
        await store.create(draft(0), key('old', 'hash-1'));
        await store.create(draft(1), key('older', 'hash-1'));
        await store.create(draft(2 * HOUR), key('new', 'hash-1'));

        expect(await store.purgeIdempotencyKeys(at(HOUR))).toBe(2);
        expect(await store.purgeIdempotencyKeys(at(HOUR))).toBe(0);
        expect(await store.create(draft(3 * HOUR), key('old', 'hash-2'))).toMatchObject({
          kind: 'created',
        });
        expect(await store.create(draft(3 * HOUR), key('new', 'hash-2'))).toEqual({
          kind: 'mismatch',
        });
      });
    });

    describe('claiming with a lease', () => {
      it('takes due queued and scheduled emails, oldest due first, up to the limit', async () => {
        const queued = draft(0);
        const scheduledDue = draft(1, {
          status: 'scheduled',
          sendAt: at(30 * SECOND),
          dueAt: at(30 * SECOND),
        });
        const later = draft(2, { status: 'scheduled', sendAt: at(HOUR), dueAt: at(HOUR) });
        const queued2 = draft(3);
        for (const e of [queued, scheduledDue, later, queued2]) await store.create(e);

        const first = await store.claimDue('w1', at(MINUTE), 2 * MINUTE, 2);
        expect(ids(first)).toEqual([queued.id, queued2.id]);
        for (const r of first) {
          expect(r).toMatchObject({ status: 'sending', rounds: 1, updatedAt: at(MINUTE) });
        }
        expect(ids(await store.claimDue('w1', at(MINUTE), 2 * MINUTE, 10))).toEqual([
          scheduledDue.id,
        ]);
        expect(await store.claimDue('w2', at(MINUTE), 2 * MINUTE, 10)).toEqual([]);
        expect(await store.nextDueAt()).toEqual(at(HOUR));
      });

      it('never gives one email to two claimers at once', async () => {
        await Promise.all(Array.from({ length: 60 }, (_, i) => store.create(draft(i))));
        const claimers = harness.concurrentInstances
          ? [store, open(), open()]
          : [store, store, store];
        const claims = await Promise.all(
          claimers.map((s, i) => s.claimDue(`w${i}`, at(MINUTE), MINUTE, 25)),
        );
        const all = claims.flatMap(ids);
        expect(new Set(all).size).toBe(all.length);
        expect(all).toHaveLength(60);
      });

      it('gives an email whose lease expired to another worker, and refuses the old owner', async () => {
        const email = draft(0);
        await store.create(email);
        await store.claimDue('w1', at(0), MINUTE, 10);

        expect(await store.claimDue('w2', at(MINUTE), MINUTE, 10)).toEqual([]);
        const [reclaimed] = await store.claimDue('w2', at(MINUTE + 1), MINUTE, 10);
        expect(reclaimed).toMatchObject({ id: email.id, status: 'sending', rounds: 2 });

        const sent = { status: 'sent' as const, providerId: 'p', providerMessageId: 'm' };
        expect(
          await store.finishRound(email.id, 'w1', sent, [attempt(email.id, 5)], at(MINUTE + 2)),
        ).toBe(false);
        expect(await store.attempts(email.id)).toEqual([]);
        expect(await store.get(email.id)).toMatchObject({ status: 'sending', providerId: null });
        expect(
          await store.finishRound(email.id, 'w2', sent, [attempt(email.id, 6)], at(MINUTE + 3)),
        ).toBe(true);
        expect(
          await store.finishRound(email.id, 'w2', sent, [attempt(email.id, 7)], at(MINUTE + 4)),
        ).toBe(false);
        expect(await store.attempts(email.id)).toEqual([attempt(email.id, 6)]);
      });

      it('takes expired leases before due emails', async () => {
        const leased = draft(0);
        await store.create(leased);
        await store.claimDue('w1', at(0), SECOND, 1);
        await store.create(draft(1));
        expect(ids(await store.claimDue('w2', at(MINUTE), MINUTE, 1))).toEqual([leased.id]);
      });

      it('releases only the owner’s leased emails, due now', async () => {
        const a = draft(0);
        const b = draft(1);
        await store.create(a);
        await store.create(b);
        await store.claimDue('w1', at(2), MINUTE, 10);

        await store.release([a.id, b.id], 'w2', at(3));
        expect(await store.get(a.id)).toMatchObject({ status: 'sending' });
        await store.release([a.id], 'w1', at(4));
        expect(await store.get(a.id)).toMatchObject({
          status: 'queued',
          dueAt: at(4),
          updatedAt: at(4),
          rounds: 1,
        });
        expect(await store.get(b.id)).toMatchObject({ status: 'sending' });
        await store.release([], 'w1', at(4));
        expect(await store.nextDueAt()).toEqual(at(4));
        expect(ids(await store.claimDue('w2', at(4), MINUTE, 10))).toEqual([a.id]);
        expect(
          await store.finishRound(a.id, 'w1', { status: 'failed', error: 'x' }, [], at(5)),
        ).toBe(false);
      });

      it('marks only the emails it took from an expired lease as recovered', async () => {
        const a = draft(0);
        const b = draft(1);
        await store.create(a);
        await store.claimDue('w1', at(1), SECOND, 1);
        await store.create(b);
        const claimed = await store.claimDue('w2', at(MINUTE), MINUTE, 10);
        expect(claimed.map((e) => [e.id, e.leaseRecovered === true])).toEqual([
          [a.id, true],
          [b.id, false],
        ]);
      });

      it('renews the leases its owner still holds, so a slow round is not taken away', async () => {
        const a = draft(0);
        const b = draft(1);
        await store.create(a);
        await store.create(b);
        await store.claimDue('w1', at(2), 10 * SECOND, 10);
        expect(await store.renewLeases([a.id, b.id], 'w2', at(MINUTE))).toBe(0);
        expect(await store.renewLeases([a.id], 'w1', at(MINUTE))).toBe(1);
        expect(await store.renewLeases([], 'w1', at(MINUTE))).toBe(0);
        // b's lease ran out at 10 s; a's was renewed until one minute.
        expect(ids(await store.claimDue('w2', at(30 * SECOND), MINUTE, 10))).toEqual([b.id]);
        expect(ids(await store.claimDue('w2', at(MINUTE + 1), MINUTE, 10))).toEqual([a.id]);
      });

      it('takes back every leased email at once (a restarted single owner), due now', async () => {
        const a = draft(0);
        const b = draft(1);
        const c = draft(2);
        for (const e of [a, b, c]) await store.create(e);
        await store.claimDue('w1', at(3), HOUR, 1);
        await store.claimDue('w2', at(3), HOUR, 1);
        expect(await store.recoverLeases(at(4))).toBe(2);
        expect(await store.get(a.id)).toMatchObject({ status: 'queued', dueAt: at(4), rounds: 1 });
        expect(await store.get(c.id)).toMatchObject({ status: 'queued', dueAt: at(2), rounds: 0 });
        expect(ids(await store.claimDue('w3', at(5), HOUR, 10)).sort()).toEqual(
          [a.id, b.id, c.id].sort(),
        );
        expect(
          await store.finishRound(a.id, 'w1', { status: 'failed', error: 'x' }, [], at(6)),
        ).toBe(false);
      });

      it('counts the outbox by status and finds the oldest due email', async () => {
        expect(await store.queueStats(at(0))).toEqual({
          counts: { queued: 0, scheduled: 0, sending: 0 },
          oldestDueAt: undefined,
        });
        await store.create(draft(0, { dueAt: at(10) }));
        await store.create(draft(1, { dueAt: at(20) }));
        await store.create(draft(2, { status: 'scheduled', sendAt: at(HOUR), dueAt: at(HOUR) }));
        const sent = draft(3);
        await store.create(sent);
        await store.claimDue('w1', at(5), MINUTE, 10);
        await store.finishRound(
          sent.id,
          'w1',
          { status: 'sent', providerId: 'p', providerMessageId: 'm' },
          [],
          at(6),
        );
        expect(await store.queueStats(at(30))).toEqual({
          counts: { queued: 2, scheduled: 1, sending: 0 },
          oldestDueAt: at(10),
        });
        await store.claimDue('w1', at(15), MINUTE, 10);
        expect(await store.queueStats(at(30))).toEqual({
          counts: { queued: 1, scheduled: 1, sending: 1 },
          oldestDueAt: at(20),
        });
      });

      it('answers no next due time when nothing waits', async () => {
        expect(await store.nextDueAt()).toBeUndefined();
        await store.create(draft(0, { status: 'scheduled', sendAt: at(HOUR), dueAt: at(HOUR) }));
        await store.create(draft(1, { dueAt: at(MINUTE) }));
        expect(await store.nextDueAt()).toEqual(at(MINUTE));
      });
    });

    describe('cancel', () => {
      it('cancels queued and scheduled emails and leaves the others unchanged', async () => {
        const queued = draft(0);
        const scheduled = draft(1, { status: 'scheduled', sendAt: at(HOUR), dueAt: at(HOUR) });
        const sending = draft(2, { dueAt: at(-HOUR) });
        for (const e of [queued, scheduled, sending]) await store.create(e);
        await store.claimDue('w1', at(3), MINUTE, 1);

        expect(await store.cancel(queued.id, at(10))).toMatchObject({
          id: queued.id,
          status: 'cancelled',
          updatedAt: at(10),
        });
        expect(await store.cancel(scheduled.id, at(11))).toMatchObject({
          status: 'cancelled',
          updatedAt: at(11),
        });
        const before = await store.get(sending.id);
        expect(before?.status).toBe('sending');
        expect(await store.cancel(sending.id, at(12))).toEqual(before);
        expect(await store.cancel(queued.id, at(13))).toMatchObject({
          status: 'cancelled',
          updatedAt: at(10),
        });
        expect(await store.cancel(newId(T0), at(14))).toBeUndefined();

        expect(await store.nextDueAt()).toBeUndefined();
        // Only the sending email, once its lease has expired; cancelled ones never come back.
        expect(ids(await store.claimDue('w2', at(2 * HOUR), MINUTE, 10))).toEqual([sending.id]);
      });
    });

    describe('list', () => {
      let e: Record<'ann' | 'bobCc' | 'annBcc' | 'viaP1' | 'viaP2' | 'scheduled', NewEmail>;

      beforeEach(async () => {
        const only = (patch: Partial<OutboundEmail>): Partial<OutboundEmail> => ({
          to: [],
          cc: [],
          bcc: [],
          tags: [],
          ...patch,
        });
        const future = { dueAt: at(10 * HOUR) };
        e = {
          viaP1: draft(1 * HOUR, {
            dueAt: at(0),
            message: only({ to: [{ email: 'carol@example.com' }], tags: ['receipt'] }),
          }),
          viaP2: draft(2 * HOUR, {
            dueAt: at(1),
            message: only({ to: [{ email: 'dave@example.com' }] }),
          }),
          ann: draft(3 * HOUR, {
            ...future,
            message: only({ to: [{ email: 'ann@example.com', name: 'Ann' }], tags: ['welcome'] }),
          }),
          bobCc: draft(4 * HOUR, {
            ...future,
            message: only({
              to: [{ email: 'x@example.com' }],
              cc: [{ email: 'Bob@Example.com' }],
              tags: ['receipt'],
            }),
          }),
          annBcc: draft(5 * HOUR, {
            ...future,
            message: only({
              to: [{ email: 'y@example.com' }],
              bcc: [{ email: 'ANN@EXAMPLE.COM' }],
              tags: ['receipt', 'welcome'],
            }),
          }),
          scheduled: draft(6 * HOUR, {
            status: 'scheduled',
            sendAt: at(20 * HOUR),
            dueAt: at(20 * HOUR),
            message: only({ to: [{ email: 'ann@example.com' }, { email: 'Ann@example.com' }] }),
          }),
        };
        for (const email of Object.values(e)) await store.create(email);
        const claimed = await store.claimDue('w1', at(1), MINUTE, 10);
        expect(ids(claimed)).toEqual([e.viaP1.id, e.viaP2.id]);
        for (const [email, provider] of [
          [e.viaP1, 'p1'],
          [e.viaP2, 'p2'],
        ] as const) {
          await store.finishRound(
            email.id,
            'w1',
            { status: 'sent', providerId: provider, providerMessageId: 'm' },
            [],
            at(2),
          );
        }
      });

      const listIds = async (filter: Parameters<KyselyEmailStore['list']>[0]) =>
        ids(await store.list(filter));

      it('lists newest first', async () => {
        expect(await listIds({ limit: 100 })).toEqual(
          [e.scheduled, e.annBcc, e.bobCc, e.ann, e.viaP2, e.viaP1].map((x) => x.id),
        );
      });

      it('filters by status', async () => {
        expect(await listIds({ status: 'sent', limit: 100 })).toEqual([e.viaP2.id, e.viaP1.id]);
        expect(await listIds({ status: 'scheduled', limit: 100 })).toEqual([e.scheduled.id]);
        expect(await listIds({ status: 'failed', limit: 100 })).toEqual([]);
      });

      it('filters by recipient in to, cc or bcc, ignoring case', async () => {
        expect(await listIds({ recipient: 'Ann@Example.COM', limit: 100 })).toEqual([
          e.scheduled.id,
          e.annBcc.id,
          e.ann.id,
        ]);
        expect(await listIds({ recipient: 'bob@example.com', limit: 100 })).toEqual([e.bobCc.id]);
        expect(await listIds({ recipient: 'nobody@example.com', limit: 100 })).toEqual([]);
      });

      it('filters by the provider that sent it', async () => {
        expect(await listIds({ provider: 'p1', limit: 100 })).toEqual([e.viaP1.id]);
        expect(await listIds({ provider: 'p3', limit: 100 })).toEqual([]);
      });

      it('filters by tag', async () => {
        expect(await listIds({ tag: 'receipt', limit: 100 })).toEqual([
          e.annBcc.id,
          e.bobCc.id,
          e.viaP1.id,
        ]);
        expect(await listIds({ tag: 'welcome', limit: 100 })).toEqual([e.annBcc.id, e.ann.id]);
      });

      it('filters by creation time: since inclusive, until exclusive', async () => {
        expect(await listIds({ since: at(3 * HOUR), limit: 100 })).toEqual([
          e.scheduled.id,
          e.annBcc.id,
          e.bobCc.id,
          e.ann.id,
        ]);
        expect(await listIds({ until: at(3 * HOUR), limit: 100 })).toEqual([
          e.viaP2.id,
          e.viaP1.id,
        ]);
        expect(await listIds({ since: at(2 * HOUR), until: at(4 * HOUR), limit: 100 })).toEqual([
          e.ann.id,
          e.viaP2.id,
        ]);
      });

      it('combines filters', async () => {
        expect(
          await listIds({
            recipient: 'ann@example.com',
            tag: 'welcome',
            status: 'queued',
            limit: 100,
          }),
        ).toEqual([e.annBcc.id, e.ann.id]);
        expect(
          await listIds({
            recipient: 'ann@example.com',
            since: at(4 * HOUR),
            until: at(6 * HOUR),
            limit: 100,
          }),
        ).toEqual([e.annBcc.id]);
      });

      it('pages with a cursor', async () => {
        const all = await listIds({ limit: 100 });
        const pages: string[][] = [];
        let before: string | undefined;
        for (;;) {
          const page = await listIds({ limit: 4, before });
          if (page.length === 0) break;
          pages.push(page);
          before = page[page.length - 1];
        }
        expect(pages.map((p) => p.length)).toEqual([4, 2]);
        expect(pages.flat()).toEqual(all);
        expect(
          await listIds({ recipient: 'ann@example.com', before: e.annBcc.id, limit: 1 }),
        ).toEqual([e.ann.id]);
      });
    });

    describe('provider switches', () => {
      it('keeps disabled providers across reopening the store', async () => {
        expect(await store.disabledProviders()).toEqual(new Set());
        await store.setProviderDisabled('mailgun', true, at(0));
        await store.setProviderDisabled('ses', true, at(1));
        await store.setProviderDisabled('ses', true, at(2));
        await store.setProviderDisabled('postmark', false, at(3));
        await store.setProviderDisabled('ses', false, at(4));
        expect(await store.disabledProviders()).toEqual(new Set(['mailgun']));
        await store.close();

        const reopened = open();
        await reopened.migrate();
        expect(await reopened.disabledProviders()).toEqual(new Set(['mailgun']));
      });
    });

    describe('tenants', () => {
      it('keeps the tenant of each email, lists one tenant or all, and cancels only within one', async () => {
        const mine = draft(0, { status: 'scheduled', sendAt: at(HOUR), dueAt: at(HOUR) });
        const theirs = draft(1, {
          tenant: 'tenant-b',
          status: 'scheduled',
          sendAt: at(HOUR),
          dueAt: at(HOUR),
        });
        await store.create(mine);
        await store.create(theirs);
        expect(await store.get(theirs.id)).toMatchObject({ tenant: 'tenant-b' });
        expect(ids(await store.list({ tenant: 'tenant-a', limit: 10 }))).toEqual([mine.id]);
        expect(ids(await store.list({ tenant: 'tenant-b', limit: 10 }))).toEqual([theirs.id]);
        expect(ids(await store.list({ tenant: 'nobody', limit: 10 }))).toEqual([]);
        expect(ids(await store.list({ limit: 10 }))).toEqual([theirs.id, mine.id]);

        // Another tenant's cancel finds nothing and changes nothing.
        expect(await store.cancel(theirs.id, at(10), 'tenant-a')).toBeUndefined();
        expect(await store.get(theirs.id)).toMatchObject({ status: 'scheduled' });
        expect(await store.cancel(theirs.id, at(11), 'tenant-b')).toMatchObject({
          status: 'cancelled',
        });
        expect(await store.cancel(mine.id, at(12))).toMatchObject({ status: 'cancelled' });
        // Already cancelled: the record as it is, to its own tenant only.
        expect(await store.cancel(mine.id, at(13), 'tenant-a')).toMatchObject({
          status: 'cancelled',
        });
        expect(await store.cancel(mine.id, at(13), 'tenant-b')).toBeUndefined();
      });

      it('gives emails stored before tenancy the empty tenant', async () => {
        storage = await harness.storage();
        const old = open();
        const db = old['db'];
        const migrator = new Migrator({ db, provider: migrationProvider });
        expect((await migrator.migrateTo('0002-nonces')).error).toBeUndefined();
        const id = newId(T0);
        await sql`insert into emails (id, status, message, due_at, created_at, updated_at)
          values (${id}, 'queued', ${JSON.stringify({ ...sampleEmail({ id }), attachments: [] })},
          ${T0}, ${T0}, ${T0})`.execute(db);
        await old.migrate();
        expect(await old.get(id)).toMatchObject({ id, tenant: '' });
        expect(ids(await old.list({ tenant: '', limit: 10 }))).toEqual([id]);
      });
    });

    describe('nonces', () => {
      const nonce = (k: string, n: string, expires = at(MINUTE)) => store.claimNonce(k, n, expires);

      it('accepts a signed request (key, nonce, expiry from its timestamp) once', async () => {
        expect(await nonce('key-a', 'nonce-1')).toBe(true);
        expect(await nonce('key-a', 'nonce-1')).toBe(false);
        expect(await nonce('key-b', 'nonce-1')).toBe(true);
        // Another timestamp is another signed request (a replay cannot change what is signed).
        expect(await nonce('key-a', 'nonce-1', at(2 * MINUTE))).toBe(true);
        expect(await nonce('key-a', 'nonce-1', at(2 * MINUTE))).toBe(false);
      });

      it('refuses repeats within one group commit and across batches of many', async () => {
        const claims = Array.from({ length: 300 }, (_, i) =>
          nonce('key-a', `n-${i % 150}`, at(MINUTE + (i % 3))),
        );
        const results = await Promise.all(claims);
        // 150 nonces, each with expiry i % 3 for i and i + 150: (i + 150) % 3 === i % 3, so every
        // second claim repeats the first.
        expect(results.filter(Boolean)).toHaveLength(150);
        expect(results.slice(0, 150).every(Boolean)).toBe(true);
      });

      describe('recorded with the email it sends (one transaction)', () => {
        const claim = (n: string, k = 'key-a', expires = at(MINUTE)): NonceClaim => ({
          keyId: k,
          nonce: n,
          expiresAt: expires,
        });

        it('stores the email and its nonce together; the same signed request again stores nothing', async () => {
          const first = draft(0);
          expect(created(await store.create(first, undefined, claim('with-email')))).toMatchObject({
            id: first.id,
          });
          // The nonce is taken for every route now, the guard's claim included.
          expect(await nonce('key-a', 'with-email')).toBe(false);
          const again = draft(1);
          expect(await store.create(again, undefined, claim('with-email'))).toEqual({
            kind: 'nonce-taken',
          });
          expect(await store.get(again.id)).toBeUndefined();
          // Another key, or another timestamp, is another signed request.
          expect(
            await store.create(draft(2), undefined, claim('with-email', 'key-b')),
          ).toMatchObject({
            kind: 'created',
          });
          expect(
            await store.create(draft(3), undefined, claim('with-email', 'key-a', at(2 * MINUTE))),
          ).toMatchObject({ kind: 'created' });
        });

        it('refuses an email whose nonce a claim of its own took first', async () => {
          expect(await nonce('key-a', 'claimed-alone')).toBe(true);
          const email = draft(0);
          expect(await store.create(email, undefined, claim('claimed-alone'))).toEqual({
            kind: 'nonce-taken',
          });
          expect(await store.get(email.id)).toBeUndefined();
        });

        it('lets exactly one of 30 concurrent sends of one signed request store its email', async () => {
          const drafts = Array.from({ length: 30 }, (_, i) => draft(i));
          const results = await Promise.all(
            drafts.map((d) => store.create(d, undefined, claim('contested-send'))),
          );
          expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
          expect(results.filter((r) => r.kind === 'nonce-taken')).toHaveLength(29);
          const stored = await Promise.all(drafts.map((d) => store.get(d.id)));
          expect(stored.filter(Boolean)).toHaveLength(1);
        });

        it('takes no idempotency key for a refused replay', async () => {
          await store.create(draft(0), key('idem-1'), claim('first-send'));
          expect(await store.create(draft(1), key('idem-2'), claim('first-send'))).toEqual({
            kind: 'nonce-taken',
          });
          // idem-2 is still free: a fresh request with it creates its email.
          const fresh = draft(2);
          expect(await store.create(fresh, key('idem-2'), claim('second-send'))).toMatchObject({
            kind: 'created',
            email: { id: fresh.id },
          });
        });
      });

      it('lets exactly one of 50 concurrent claims of one nonce win', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => nonce('key-a', 'contested')),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('remembers nonces across reopening the store (a restart)', async () => {
        expect(await nonce('key-a', 'before-restart')).toBe(true);
        await store.close();
        const reopened = open();
        await reopened.migrate();
        expect(await reopened.claimNonce('key-a', 'before-restart', at(MINUTE))).toBe(false);
      });

      itWithConcurrentInstances('refuses on one instance a nonce claimed on another', async () => {
        const other = open();
        await other.migrate();
        expect(await nonce('key-a', 'shared')).toBe(true);
        expect(await other.claimNonce('key-a', 'shared', at(MINUTE))).toBe(false);
      });

      it('carries the nonces of the table before 0006 over', async () => {
        storage = await harness.storage();
        const old = open();
        const db = old['db'];
        const migrator = new Migrator({ db, provider: migrationProvider });
        expect((await migrator.migrateTo('0005-webhook-deliveries')).error).toBeUndefined();
        await sql`insert into nonces (key_id, nonce, expires_at)
          values ('key-a', 'from-0002', ${at(MINUTE).getTime()})`.execute(db);
        await old.migrate();
        expect(await old.claimNonce('key-a', 'from-0002', at(MINUTE))).toBe(false);
        expect(await old.claimNonce('key-a', 'fresh', at(MINUTE))).toBe(true);
        await old.close();
      });

      it('purges expired nonces only', async () => {
        await nonce('key-a', 'short', at(MINUTE));
        await nonce('key-a', 'long', at(HOUR));
        expect(await store.purgeNonces(at(MINUTE))).toBe(0);
        expect(await store.purgeNonces(at(MINUTE + 1))).toBe(1);
        expect(await nonce('key-a', 'long', at(HOUR))).toBe(false);
        expect(await nonce('key-a', 'short', at(MINUTE))).toBe(true);
      });
    });

    describe('durability', () => {
      it('keeps what one instance wrote, pending writes included, after close and reopen', async () => {
        const email = draft(0);
        await store.create(email, key('k'));
        await store.claimDue('w1', at(1), MINUTE, 10);
        const attempts = [attempt(email.id, 2)];
        const finished = store.finishRound(
          email.id,
          'w1',
          { status: 'sent', providerId: 'p', providerMessageId: 'm' },
          attempts,
          at(3),
        );
        const late = draft(4);
        const pending = store.create(late);
        await store.close();
        expect(await finished).toBe(true);
        expect(await pending).toMatchObject({ kind: 'created' });
        await expect(store.create(draft(5))).rejects.toThrow(/closed/);

        const reopened = open();
        await reopened.migrate();
        expect(await reopened.get(email.id)).toMatchObject({
          status: 'sent',
          providerMessageId: 'm',
          message: sampleEmail({ id: email.id }),
        });
        expect(await reopened.attempts(email.id)).toEqual(attempts);
        expect(await reopened.get(late.id)).toMatchObject({ status: 'queued' });
        expect(await reopened.create(draft(6), key('k'))).toMatchObject({
          kind: 'replayed',
          email: { id: email.id },
        });
      });
    });
  },
);

describe('SQLite claim queries', () => {
  let dir: string;
  let database: Database.Database;
  let db: Kysely<StoreTables>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailover-plan-'));
    const file = join(dir, 'plan.db');
    const store = new SqliteEmailStore(file);
    await store.migrate();
    await store.close();
    database = new Database(file);
    db = new Kysely<StoreTables>({ dialect: new SqliteDialect({ database }) });
  });

  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  // 0008: the provider indexes hold only emails a provider took; = and IN still find them there.
  it.each([
    [
      'the list by provider',
      `select id from emails where provider_id = ? order by id desc limit 50`,
      ['p'],
      'emails_provider',
    ],
    [
      'the event matcher',
      `select id, tenant, provider_message_id from emails where provider_message_id in (?, ?) and provider_id = ?`,
      ['m-1', 'm-2', 'p'],
      'emails_provider_message',
    ],
  ])('%s reads its partial index', (_what, query, parameters, index) => {
    const plan = database
      .prepare(`explain query plan ${query}`)
      .all(...parameters)
      .map((row) => (row as { detail: string }).detail)
      .join('\n');
    expect(plan).toMatch(new RegExp(`USING (COVERING )?INDEX ${index} `));
    expect(plan).not.toContain('USE TEMP B-TREE');
  });

  // Without statistics SQLite would read every queued row through emails_status and sort them:
  // a claim would cost O(backlog) instead of O(batch).
  it.each([
    ['due', 'emails_due'],
    ['expired', 'emails_lease'],
  ] as const)('the %s scan reads %s in order, with no sort', (which, index) => {
    const { sql, parameters } = claimScan(db, SQLITE, which, 1_000, 10).compile();
    const plan = database
      .prepare(`explain query plan ${sql}`)
      .all(...parameters)
      .map((row) => (row as { detail: string }).detail);
    expect(plan).toEqual([expect.stringContaining(`USING INDEX ${index}`)]);
  });
});

describe('StoreModule', () => {
  let dataDir: string;
  let admin: Client | undefined;
  const schema = `store_module_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mailover-module-'));
  });

  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await admin?.query(`drop schema if exists "${schema}" cascade`);
    await admin?.end();
  });

  async function configFor(driver: 'sqlite' | 'postgres'): Promise<AppConfig> {
    const config = new AppConfig();
    config.dataDir = dataDir;
    config.store.driver = driver;
    config.store.sqliteFile = 'db/mailover.db';
    if (driver === 'postgres') {
      admin = new Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      await admin.query(`create schema "${schema}"`);
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      config.store.postgresUrl = url.toString();
      config.store.postgresPoolSize = 2;
    }
    return config;
  }

  it.each(['sqlite', 'postgres'] as const)(
    'provides a migrated %s store and closes it on application shutdown',
    async (driver) => {
      const moduleRef = await Test.createTestingModule({
        imports: [ConfigModule.forRoot(await configFor(driver)), StoreModule],
      }).compile();
      await moduleRef.init();
      const store = moduleRef.get<EmailStore>(EMAIL_STORE);
      expect(await store.isMigrated()).toBe(true);
      created(await store.create(draft(0)));
      // sqliteFile is relative to the data directory, whose missing subdirectories are created.
      if (driver === 'sqlite') expect(existsSync(join(dataDir, 'db/mailover.db'))).toBe(true);

      await moduleRef.close();
      await expect(store.create(draft(1))).rejects.toThrow(/closed/);
    },
  );
});
