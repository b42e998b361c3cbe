import type { AttemptRecord, EmailRecord, QueueStats } from '../../domain/email-record';
import { DUE } from '../claim-predicates';
import type { EmailFilter } from '../email.store';
import { toAttempt, toRecord } from './row-codec';
import type { Db, StoreDialect } from './transactions';

// The store's reads: one email, its attempts, filtered lists, the outbox's shape, switches.

export async function getEmail(db: Db, id: string): Promise<EmailRecord | undefined> {
  const row = await db.selectFrom('emails').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

export async function listAttempts(db: Db, id: string): Promise<AttemptRecord[]> {
  const rows = await db
    .selectFrom('attempts')
    .selectAll()
    .where('email_id', '=', id)
    .orderBy('round')
    .orderBy('seq')
    .execute();
  return rows.map(toAttempt);
}

/** Newest first; every filter is an index lookup (recipients and tags through their tables). */
export async function listEmails(db: Db, filter: EmailFilter): Promise<EmailRecord[]> {
  let query = db.selectFrom('emails').selectAll();
  if (filter.tenant !== undefined) query = query.where('tenant', '=', filter.tenant);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.provider) query = query.where('provider_id', '=', filter.provider);
  if (filter.since) query = query.where('created_at', '>=', filter.since.getTime());
  if (filter.until) query = query.where('created_at', '<', filter.until.getTime());
  if (filter.before) query = query.where('id', '<', filter.before);
  if (filter.recipient) {
    const address = filter.recipient.toLowerCase();
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('email_recipients').select('email_id').where('address', '=', address),
    );
  }
  if (filter.tag) {
    const tag = filter.tag;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('email_tags').select('email_id').where('tag', '=', tag),
    );
  }
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toRecord);
}

export async function queueStats(db: Db, dialect: StoreDialect, now: Date): Promise<QueueStats> {
  const counts: QueueStats['counts'] = { queued: 0, scheduled: 0, sending: 0 };
  const rows = await db
    .selectFrom('emails')
    .select(['status', (eb) => eb.fn.countAll().as('n')])
    .where('status', 'in', ['queued', 'scheduled', 'sending'])
    .groupBy('status')
    .execute();
  for (const r of rows) counts[r.status as keyof QueueStats['counts']] = Number(r.n);
  const oldest = await db
    .selectFrom(dialect.emailsVia('emails_due'))
    .select((eb) => eb.fn.min('due_at').as('at'))
    .where(DUE)
    .where('due_at', '<=', now.getTime())
    .executeTakeFirst();
  const at = oldest?.at;
  return {
    counts,
    oldestDueAt: at === null || at === undefined ? undefined : new Date(Number(at)),
  };
}

export async function nextDueAt(db: Db, dialect: StoreDialect): Promise<Date | undefined> {
  const row = await db
    .selectFrom(dialect.emailsVia('emails_due'))
    .select((eb) => eb.fn.min('due_at').as('next'))
    .where(DUE)
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? undefined : new Date(Number(row.next));
}

export async function disabledProviders(db: Db): Promise<Set<string>> {
  const rows = await db
    .selectFrom('provider_switches')
    .select('provider_id')
    .where('disabled', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.provider_id));
}
