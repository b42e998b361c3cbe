import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../src/domain/id';
import type { NewEmail } from '../../src/store/email.store';
import type { KyselyEmailStore } from '../../src/store/kysely-email.store';
import { PostgresEmailStore } from '../../src/store/postgres/postgres.store';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import type {
  NewWebhookDelivery,
  WebhookAttempt,
  WebhookDeliveryStore,
} from '../../src/store/webhook-deliveries.store';
import { createTempSchema } from '../support/postgres-schema';
import { sampleEmail } from './sample-email';

interface Harness {
  name: string;
  concurrentInstances: boolean;
  /** A fresh, empty storage; `open` opens a store instance on it (again and again). */
  storage(): Promise<{ open(): KyselyEmailStore }>;
  cleanup(): Promise<void>;
}

function sqliteHarness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'mailover-webhooks-'));
  let n = 0;
  return {
    name: 'sqlite',
    concurrentInstances: false,
    storage() {
      const file = join(dir, `store-${++n}.db`);
      return Promise.resolve({ open: () => new SqliteEmailStore(file) });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

function postgresHarness(): Harness {
  const drops: Array<() => Promise<void>> = [];
  return {
    name: 'postgres',
    concurrentInstances: true,
    async storage() {
      const schema = await createTempSchema('webhooks');
      drops.push(() => schema.drop());
      return { open: () => new PostgresEmailStore({ url: schema.url, poolSize: 4 }) };
    },
    async cleanup() {
      for (const drop of drops) await drop();
    },
  };
}

const T0 = Date.UTC(2030, 0, 1);
const at = (ms: number) => new Date(T0 + ms);
const MINUTE = 60_000;

function delivery(t: number, patch: Partial<NewWebhookDelivery> = {}): NewWebhookDelivery {
  return {
    id: `msg_${newId(T0 + t)}`,
    endpointId: 'app',
    type: 'email.sent',
    emailId: newId(T0 + t),
    tenant: 'tenant-a',
    payload: JSON.stringify({ type: 'email.sent', t }),
    createdAt: at(t),
    ...patch,
  };
}

function attempt(
  t: number,
  statusCode: number | null,
  error: string | null = null,
): WebhookAttempt {
  return { seq: 0, at: at(t), durationMs: 12, statusCode, error };
}

describe.each([sqliteHarness(), postgresHarness()].map((h): [string, Harness] => [h.name, h]))(
  '%s webhook delivery store contract',
  (_name, harness) => {
    let storage: { open(): KyselyEmailStore };
    let opened: KyselyEmailStore[] = [];
    let emails: KyselyEmailStore;
    let store: WebhookDeliveryStore;

    const open = () => {
      const instance = storage.open();
      opened.push(instance);
      return instance;
    };

    beforeEach(async () => {
      storage = await harness.storage();
      emails = open();
      await emails.migrate();
      store = emails.webhookDeliveries();
    });

    afterEach(async () => {
      for (const instance of opened) await instance.close();
      opened = [];
    });

    afterAll(() => harness.cleanup());

    it('stores a delivery pending, due at once, with its exact payload', async () => {
      const d = delivery(0, { payload: '{"type":"email.sent","data":{"x":"\u00e9\u2708"}}' });
      await store.enqueue([d]);
      expect(await store.get(d.id)).toEqual({
        ...d,
        status: 'pending',
        attempts: 0,
        dueAt: at(0),
        updatedAt: at(0),
        lastStatus: null,
        lastError: null,
      });
    });

    it('claims due deliveries oldest first, up to the limit, and never twice while leased', async () => {
      const [a, b, c, later] = [delivery(1), delivery(2), delivery(3), delivery(MINUTE)];
      await store.enqueue([c, later, a, b]);
      const first = await store.claimDue('w1', at(10), 30_000, 2);
      expect(first.map((d) => d.id)).toEqual([a.id, b.id]);
      expect(first[0].dueAt).toEqual(at(30_010));
      const second = await store.claimDue('w2', at(20), 30_000, 10);
      expect(second.map((d) => d.id)).toEqual([c.id]);
      expect(await store.claimDue('w3', at(30), 30_000, 10)).toEqual([]);
    });

    it('gives a dead worker’s deliveries to the next once the lease ends; the old owner cannot finish', async () => {
      const d = delivery(0);
      await store.enqueue([d]);
      await store.claimDue('dead', at(1), 1000, 10);
      expect(await store.claimDue('w2', at(1000), 1000, 10)).toEqual([]);
      const [again] = await store.claimDue('w2', at(1001), 1000, 10);
      expect(again.id).toBe(d.id);
      expect(
        await store.finish(d.id, 'dead', attempt(1500, 200), { status: 'delivered' }, at(1500)),
      ).toBe(false);
      expect(
        await store.finish(d.id, 'w2', attempt(1600, 200), { status: 'delivered' }, at(1600)),
      ).toBe(true);
      expect(await store.get(d.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    });

    it('records every attempt, reschedules after a failure, and ends delivered or failed', async () => {
      const [ok, bad] = [delivery(0), delivery(1)];
      await store.enqueue([ok, bad]);
      await store.claimDue('w1', at(10), 30_000, 10);
      expect(
        await store.finish(
          ok.id,
          'w1',
          attempt(20, 500, 'HTTP 500'),
          { status: 'pending', dueAt: at(5000) },
          at(20),
        ),
      ).toBe(true);
      expect(
        await store.finish(
          bad.id,
          'w1',
          attempt(21, null, 'timeout'),
          { status: 'failed' },
          at(21),
        ),
      ).toBe(true);
      expect(await store.get(ok.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        dueAt: at(5000),
        lastStatus: 500,
        lastError: 'HTTP 500',
      });
      expect(await store.claimDue('w1', at(4999), 30_000, 10)).toEqual([]);
      const [retry] = await store.claimDue('w1', at(5000), 30_000, 10);
      expect(retry.id).toBe(ok.id);
      await store.finish(ok.id, 'w1', attempt(5010, 204), { status: 'delivered' }, at(5010));

      const attempts = await store.attempts([ok.id, bad.id, 'msg_none']);
      expect(attempts.get(ok.id)).toEqual([
        { seq: 1, at: at(20), durationMs: 12, statusCode: 500, error: 'HTTP 500' },
        { seq: 2, at: at(5010), durationMs: 12, statusCode: 204, error: null },
      ]);
      expect(attempts.get(bad.id)).toEqual([
        { seq: 1, at: at(21), durationMs: 12, statusCode: null, error: 'timeout' },
      ]);
      expect(attempts.get('msg_none')).toEqual([]);
      expect(await store.get(ok.id)).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(await store.get(bad.id)).toMatchObject({ status: 'failed', lastError: 'timeout' });
      // Final deliveries are never claimed again.
      expect(await store.claimDue('w1', at(10 * MINUTE), 30_000, 10)).toEqual([]);
      expect(await store.counts()).toEqual({ pending: 0, delivered: 1, failed: 1 });
    });

    it('gives leases back on release, and takes back every lease on recovery', async () => {
      const [a, b] = [delivery(0), delivery(1)];
      await store.enqueue([a, b]);
      await store.claimDue('w1', at(10), 60_000, 1);
      await store.claimDue('w2', at(10), 60_000, 1);
      await store.release([a.id, b.id], 'w1', at(20));
      expect((await store.claimDue('w3', at(20), 60_000, 10)).map((d) => d.id)).toEqual([a.id]);
      expect(await store.recoverLeases(at(30))).toBe(2);
      expect((await store.claimDue('w4', at(30), 60_000, 10)).map((d) => d.id)).toEqual([
        a.id,
        b.id,
      ]);
    });

    it('lists newest first with filters and a cursor', async () => {
      const other = newId(T0 + 5);
      const rows = [
        delivery(1),
        delivery(2, { endpointId: 'crm', emailId: other }),
        delivery(3),
        delivery(4, { emailId: other }),
      ];
      await store.enqueue(rows);
      await store.claimDue('w1', at(10), 1000, 1);
      await store.finish(rows[0].id, 'w1', attempt(11, 200), { status: 'delivered' }, at(11));
      const ids = (list: Array<{ id: string }>) => list.map((d) => d.id);
      expect(ids(await store.list({ limit: 10 }))).toEqual(
        [rows[3], rows[2], rows[1], rows[0]].map((d) => d.id),
      );
      expect(ids(await store.list({ limit: 2 }))).toEqual([rows[3].id, rows[2].id]);
      expect(ids(await store.list({ limit: 2, before: rows[2].id }))).toEqual([
        rows[1].id,
        rows[0].id,
      ]);
      expect(ids(await store.list({ limit: 10, status: 'delivered' }))).toEqual([rows[0].id]);
      expect(ids(await store.list({ limit: 10, endpointId: 'crm' }))).toEqual([rows[1].id]);
      expect(ids(await store.list({ limit: 10, emailId: other }))).toEqual([
        rows[3].id,
        rows[1].id,
      ]);
    });

    describe('with a round of the email store', () => {
      const draft = (t: number): NewEmail => {
        const id = newId(T0 + t);
        return {
          id,
          tenant: 'tenant-a',
          message: sampleEmail({ id }),
          providers: null,
          sendAt: null,
          dueAt: at(t),
          status: 'queued',
          createdAt: at(t),
        };
      };

      it('stores the round’s deliveries in the same commit as its result', async () => {
        const email = draft(0);
        await emails.create(email);
        await emails.claimDue('w1', at(1), MINUTE, 10);
        const hooks = [
          delivery(2, { emailId: email.id }),
          delivery(2, { emailId: email.id, endpointId: 'crm' }),
        ];
        const sent = { status: 'sent' as const, providerId: 'p', providerMessageId: 'm-1' };
        expect(await emails.finishRound(email.id, 'w1', sent, [], at(2), hooks)).toBe(true);
        expect(
          (await store.list({ limit: 10, emailId: email.id })).map((d) => d.id).sort(),
        ).toEqual(hooks.map((h) => h.id).sort());
      });

      it('stores none when the round lost its lease', async () => {
        const email = draft(0);
        await emails.create(email);
        await emails.claimDue('w1', at(1), MINUTE, 10);
        const hook = delivery(2, { emailId: email.id });
        const sent = { status: 'sent' as const, providerId: 'p', providerMessageId: 'm-1' };
        expect(await emails.finishRound(email.id, 'someone-else', sent, [], at(2), [hook])).toBe(
          false,
        );
        expect(await store.get(hook.id)).toBeUndefined();
      });
    });

    if (harness.concurrentInstances)
      it('never gives one delivery to two instances claiming at once', async () => {
        const rows = Array.from({ length: 60 }, (_, i) => delivery(i));
        await store.enqueue(rows);
        const others = [open(), open(), open()].map((s) => s.webhookDeliveries());
        const claims = await Promise.all(
          [store, ...others].flatMap((s, i) =>
            [0, 1, 2].map((k) => s.claimDue(`w${i}-${k}`, at(100), MINUTE, 7)),
          ),
        );
        const taken = claims.flat().map((d) => d.id);
        expect(new Set(taken).size).toBe(taken.length);
        expect(taken.length).toBe(60);
      });
  },
);
