import { type Kysely, type Selectable, sql } from 'kysely';
import { GroupCommit, type Settled } from './group-commit';
import { cmp } from './kysely/chunks';
import { inTransaction, type StoreDialect } from './kysely/transactions';
import type { StoreTables, WebhookAttemptsTable, WebhookDeliveriesTable } from './store.tables';

type Db = Kysely<StoreTables>;

export type { WebhookDeliveryStatus } from '../domain/webhook-delivery';
import type { WebhookDeliveryStatus } from '../domain/webhook-delivery';

/**
 * The claim's condition and the partial index's (webhook_deliveries_due): shared, so they match
 * word for word (see claim-predicates.ts).
 */
export const PENDING = sql<boolean>`status = 'pending'`;

export type {
  NewWebhookDelivery,
  WebhookAttempt,
  WebhookDelivery,
} from '../domain/webhook-delivery';
import type {
  NewWebhookDelivery,
  WebhookAttempt,
  WebhookDelivery,
} from '../domain/webhook-delivery';

/** How one attempt ends the delivery, or when it is due again. */
export type WebhookAttemptResult =
  { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; dueAt: Date };

export interface WebhookDeliveryFilter {
  status?: WebhookDeliveryStatus;
  endpointId?: string;
  emailId?: string;
  /** Deliveries with ids below this one (ids sort by time): the previous page's last id. */
  before?: string;
  limit: number;
}

type FinishOp = {
  id: string;
  owner: string;
  attempt: WebhookAttempt;
  result: WebhookAttemptResult;
  now: Date;
};

/** Inserts deliveries inside the caller's transaction (the email store's, with a round's result). */
export async function insertWebhookDeliveries(
  trx: Db,
  deliveries: readonly NewWebhookDelivery[],
): Promise<void> {
  if (deliveries.length === 0) return;
  await trx
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        id: d.id,
        endpoint_id: d.endpointId,
        type: d.type,
        email_id: d.emailId,
        tenant: d.tenant,
        payload: d.payload,
        status: 'pending' as const,
        attempts: 0,
        due_at: d.createdAt.getTime(),
        created_at: d.createdAt.getTime(),
        updated_at: d.createdAt.getTime(),
        lease_owner: null,
        last_status: null,
        last_error: null,
      })),
    )
    .execute();
}

/**
 * Webhook deliveries on the email store's database and connections (SQLite or PostgreSQL): the
 * durable queue of the application's webhooks. Workers claim due deliveries with a lease (claiming
 * moves `due_at` to the lease's end, so a dead worker's deliveries become due again by themselves)
 * and finish each attempt only while they still hold it. Finishes share commits.
 */
export class WebhookDeliveryStore {
  private readonly finishes = new GroupCommit<FinishOp, boolean>((ops) => this.commitFinishes(ops));

  constructor(
    private readonly db: Db,
    private readonly dialect: StoreDialect,
  ) {}

  /** Stores deliveries, durably when the promise resolves. */
  async enqueue(deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.inTransaction((trx) => insertWebhookDeliveries(trx, deliveries));
  }

  /**
   * Takes up to `limit` pending deliveries due by `now`, oldest first, leased to `owner` until
   * now + leaseMs. Two workers never take the same delivery while its lease runs.
   */
  async claimDue(
    owner: string,
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<WebhookDelivery[]> {
    const at = now.getTime();
    const rows = await this.inTransaction((trx) => {
      const due = trx
        .selectFrom('webhook_deliveries')
        .select('id')
        .where(PENDING)
        .where('due_at', '<=', at)
        .orderBy('due_at')
        .limit(limit);
      return trx
        .updateTable('webhook_deliveries')
        .set({ due_at: at + leaseMs, lease_owner: owner, updated_at: at })
        .where('id', 'in', this.dialect.lockForClaim(due))
        .returningAll()
        .execute();
    });
    return rows.map(toDelivery).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /**
   * Records one attempt and its result, only while `owner` still holds the delivery (answers false
   * otherwise and changes nothing). Concurrent calls share commits.
   */
  finish(
    id: string,
    owner: string,
    attempt: WebhookAttempt,
    result: WebhookAttemptResult,
    now: Date,
  ): Promise<boolean> {
    return this.finishes.submit({ id, owner, attempt, result, now });
  }

  /** Gives leased deliveries back (graceful shutdown): due now. */
  async release(ids: string[], owner: string, now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.inTransaction((trx) =>
      trx
        .updateTable('webhook_deliveries')
        .set({ due_at: now.getTime(), lease_owner: null, updated_at: now.getTime() })
        .where('id', 'in', ids)
        .where(PENDING)
        .where('lease_owner', '=', owner)
        .execute(),
    );
  }

  /**
   * Takes back every leased delivery whatever its owner: due now. Only for a store one process
   * owns alone (SQLite), at start, when every lease is a dead predecessor's. Answers how many.
   */
  async recoverLeases(now: Date): Promise<number> {
    const result = await this.inTransaction((trx) =>
      trx
        .updateTable('webhook_deliveries')
        .set({ due_at: now.getTime(), lease_owner: null, updated_at: now.getTime() })
        .where(PENDING)
        .where('lease_owner', 'is not', null)
        .where('due_at', '>', now.getTime())
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows);
  }

  async get(id: string): Promise<WebhookDelivery | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  /** Newest first. */
  async list(filter: WebhookDeliveryFilter): Promise<WebhookDelivery[]> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll();
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.endpointId) query = query.where('endpoint_id', '=', filter.endpointId);
    if (filter.emailId) query = query.where('email_id', '=', filter.emailId);
    if (filter.before) query = query.where('id', '<', filter.before);
    const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(toDelivery);
  }

  /** The attempts of these deliveries, oldest first, by delivery id. */
  async attempts(ids: string[]): Promise<Map<string, WebhookAttempt[]>> {
    const byId = new Map<string, WebhookAttempt[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byId;
    const rows = await this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', 'in', ids)
      .orderBy('delivery_id')
      .orderBy('seq')
      .execute();
    for (const r of rows) byId.get(r.delivery_id)?.push(toAttempt(r));
    return byId;
  }

  /** Counts by status (metrics, tests). */
  async counts(): Promise<Record<WebhookDeliveryStatus, number>> {
    const counts = { pending: 0, delivered: 0, failed: 0 };
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute();
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  }

  /** Resolves once every finish submitted so far is committed. */
  idle(): Promise<void> {
    return this.finishes.idle();
  }

  private commitFinishes(ops: FinishOp[]): Promise<Array<Settled<boolean>>> {
    return this.inTransaction(async (trx) => {
      const settled: Array<Settled<boolean>> = [];
      // A stable order across concurrent batches avoids lock-order deadlocks on PostgreSQL.
      const order = ops.map((op, i) => ({ op, i })).sort((a, b) => cmp(a.op.id, b.op.id));
      for (const { op, i } of order) {
        const t = op.now.getTime();
        const row = await trx
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            status: op.result.status,
            due_at: op.result.status === 'pending' ? op.result.dueAt.getTime() : t,
            attempts: eb('attempts', '+', 1),
            lease_owner: null,
            last_status: op.attempt.statusCode,
            last_error: op.attempt.error,
            updated_at: t,
          }))
          .where('id', '=', op.id)
          .where(PENDING)
          .where('lease_owner', '=', op.owner)
          .returning('attempts')
          .executeTakeFirst();
        settled[i] = { ok: true, value: row !== undefined };
        if (!row) continue;
        await trx
          .insertInto('webhook_attempts')
          .values({
            delivery_id: op.id,
            seq: row.attempts,
            at: op.attempt.at.getTime(),
            duration_ms: Math.round(op.attempt.durationMs),
            status_code: op.attempt.statusCode,
            error: op.attempt.error,
          })
          .execute();
      }
      return settled;
    });
  }

  /** One write transaction on one of the store's connections, committed before the promise resolves. */
  private inTransaction<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return inTransaction(this.db, this.dialect, work);
  }
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    type: row.type,
    emailId: row.email_id,
    tenant: row.tenant,
    payload: row.payload,
    createdAt: new Date(row.created_at),
    status: row.status,
    attempts: row.attempts,
    dueAt: new Date(row.due_at),
    updatedAt: new Date(row.updated_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
  };
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    seq: row.seq,
    at: new Date(row.at),
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    error: row.error,
  };
}
