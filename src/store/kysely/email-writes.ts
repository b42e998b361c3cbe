import type { Insertable } from 'kysely';
import type { AttemptRecord } from '../../domain/email-record';
import { allRecipients } from '../../domain/email';
import type { NewEmail, RoundResult } from '../email.store';
import type { AttemptsTable } from '../store.tables';
import { insertWebhookDeliveries, type NewWebhookDelivery } from '../webhook-deliveries.store';
import { BYTES_PER_INSERT, chunks, cmp, ROWS_PER_INSERT, rowChunks } from './chunks';
import { attemptRow, emailRow } from './row-codec';
import type { Db } from './transactions';

// The writes of an email's life: it is stored (with its recipients and tags for the filters),
// and each round ends with its result and attempts.

/** Inserts the emails, their recipients and their tags set-wise, in bounded statements. */
export async function insertEmails(trx: Db, emails: NewEmail[]): Promise<void> {
  if (emails.length === 0) return;
  const rows = emails.map(emailRow);
  for (const chunk of chunks(rows, (r) => r.message.length, ROWS_PER_INSERT, BYTES_PER_INSERT)) {
    await trx.insertInto('emails').values(chunk).execute();
  }
  const recipients = emails.flatMap((e) =>
    [...new Set(allRecipients(e.message).map((a) => a.email.toLowerCase()))].map((address) => ({
      address,
      email_id: e.id,
    })),
  );
  for (const chunk of rowChunks(recipients)) {
    await trx.insertInto('email_recipients').values(chunk).execute();
  }
  const tags = emails.flatMap((e) =>
    [...new Set(e.message.tags)].map((tag) => ({ tag, email_id: e.id })),
  );
  for (const chunk of rowChunks(tags)) {
    await trx.insertInto('email_tags').values(chunk).execute();
  }
}

export interface FinishOp {
  id: string;
  owner: string;
  result: RoundResult;
  attempts: AttemptRecord[];
  now: Date;
  /** The application's webhooks about this result: stored with it, or not at all. */
  deliveries?: readonly NewWebhookDelivery[];
}

/**
 * Ends each round whose lease `owner` still holds and records its attempts; answers, per op,
 * whether it did. Rows are updated in id order, so concurrent batches never deadlock.
 */
export async function finishRounds(trx: Db, ops: FinishOp[]): Promise<boolean[]> {
  const results = new Array<boolean>(ops.length);
  const ordered = ops.map((op, index) => ({ op, index })).sort((a, b) => cmp(a.op.id, b.op.id));
  const attemptRows: Array<Insertable<AttemptsTable>> = [];
  const deliveries: NewWebhookDelivery[] = [];
  for (const { op, index } of ordered) {
    const round = await finishOne(trx, op);
    results[index] = round !== undefined;
    if (round === undefined) continue;
    op.attempts.forEach((a, seq) => attemptRows.push(attemptRow(op.id, round, seq, a)));
    deliveries.push(...(op.deliveries ?? []));
  }
  for (const chunk of rowChunks(attemptRows)) {
    await trx.insertInto('attempts').values(chunk).execute();
  }
  // The round's webhooks commit with its result: a stored result always has its deliveries.
  for (const chunk of chunks(
    deliveries,
    (d) => d.payload.length,
    ROWS_PER_INSERT,
    BYTES_PER_INSERT,
  ))
    await insertWebhookDeliveries(trx, chunk);
  return results;
}

/** Ends one round if `owner` still holds the lease; answers the round number, or undefined. */
async function finishOne(trx: Db, f: FinishOp): Promise<number | undefined> {
  const result = f.result;
  const outcome =
    result.status === 'sent'
      ? {
          status: 'sent' as const,
          provider_id: result.providerId,
          provider_message_id: result.providerMessageId,
          last_error: null,
        }
      : result.status === 'failed'
        ? { status: 'failed' as const, last_error: result.error }
        : { status: 'queued' as const, due_at: result.dueAt.getTime(), last_error: result.error };
  const row = await trx
    .updateTable('emails')
    .set({ ...outcome, lease_owner: null, lease_until: null, updated_at: f.now.getTime() })
    .where('id', '=', f.id)
    .where('status', '=', 'sending')
    .where('lease_owner', '=', f.owner)
    .returning('rounds')
    .executeTakeFirst();
  return row?.rounds;
}
