import type { Insertable } from 'kysely';
import type { CreateResult, IdempotencyClaim, NewEmail } from '../email.store';
import type { IdempotencyKeysTable } from '../store.tables';
import { cmp, keyOf, rowChunks } from './chunks';
import { toRecord } from './row-codec';
import type { Db } from './transactions';

// Idempotency keys: the first create of a (scope, key) wins; a repeat replays or mismatches.

export interface KeyedCreate {
  email: NewEmail;
  idempotency: IdempotencyClaim;
}

/**
 * Inserts the keys set-wise; answers, per create, whether its key was already taken (by an
 * earlier batch, or by an earlier create of this one).
 */
export async function claimIdempotencyKeys(trx: Db, creates: KeyedCreate[]): Promise<boolean[]> {
  const rows: Array<Insertable<IdempotencyKeysTable>> = creates.map(({ email, idempotency }) => ({
    scope: idempotency.scope,
    key: idempotency.key,
    request_hash: idempotency.requestHash,
    email_id: email.id,
    original_status: email.status,
    created_at: email.createdAt.getTime(),
  }));
  // A stable order of keys across concurrent batches avoids lock-order deadlocks on PostgreSQL.
  rows.sort((a, b) => cmp(a.scope, b.scope) || cmp(a.key, b.key));
  const won = new Set<string>();
  for (const chunk of rowChunks(rows)) {
    const inserted = await trx
      .insertInto('idempotency_keys')
      .values(chunk)
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning(['scope', 'key', 'email_id'])
      .execute();
    for (const r of inserted) won.add(keyOf(r.scope, r.key, r.email_id));
  }
  return creates.map((c) => !won.has(keyOf(c.idempotency.scope, c.idempotency.key, c.email.id)));
}

/** Creates whose key was already taken: a replay of the first email, or a mismatch, per claim. */
export async function answerRepeats(trx: Db, repeats: IdempotencyClaim[]): Promise<CreateResult[]> {
  const keys = await trx
    .selectFrom('idempotency_keys')
    .selectAll()
    .where((eb) =>
      eb.or(repeats.map((c) => eb.and([eb('scope', '=', c.scope), eb('key', '=', c.key)]))),
    )
    .execute();
  const byKey = new Map(keys.map((k) => [keyOf(k.scope, k.key), k]));
  const wanted = [
    ...new Set(
      repeats.flatMap((c) => {
        const key = byKey.get(keyOf(c.scope, c.key));
        return key && key.request_hash === c.requestHash ? [key.email_id] : [];
      }),
    ),
  ];
  const emails = wanted.length
    ? await trx.selectFrom('emails').selectAll().where('id', 'in', wanted).execute()
    : [];
  const emailById = new Map(emails.map((e) => [e.id, e]));
  return repeats.map((claim): CreateResult => {
    const key = byKey.get(keyOf(claim.scope, claim.key));
    // Purged by another process between our insert and this read: rare; the caller may retry.
    if (!key) throw new Error(`idempotency key ${claim.key} vanished while being read`);
    if (key.request_hash !== claim.requestHash) return { kind: 'mismatch' };
    const email = emailById.get(key.email_id);
    if (!email)
      throw new Error(`idempotency key ${claim.key} names a missing email ${key.email_id}`);
    return { kind: 'replayed', email: toRecord(email), originalStatus: key.original_status };
  });
}

/** Forgets idempotency keys created before `before`; answers how many. */
export async function purgeIdempotencyKeysIn(trx: Db, before: Date): Promise<number> {
  const result = await trx
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', before.getTime())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
