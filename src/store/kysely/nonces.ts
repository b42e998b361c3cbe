import { cmp, keyOf, rowChunks } from './chunks';
import type { Db } from './transactions';

// Signed requests' nonces: each accepted once per key until it expires.

export interface NonceOp {
  keyId: string;
  nonce: string;
  /** From the signed timestamp: the same signed request always has the same. */
  expiresAt: number;
}

/**
 * Inserts the nonces set-wise; a row already there (the same key, nonce and expiry: the same
 * signed request) counts as taken. Within one batch, the first op of a pair wins. Answers, per
 * op, whether it was new.
 */
export async function claimNonces(trx: Db, ops: NonceOp[]): Promise<boolean[]> {
  const results = new Array<boolean>(ops.length);
  const first = new Map<string, NonceOp & { index: number }>();
  ops.forEach((op, index) => {
    const id = rowKey(op.expiresAt, op.keyId, op.nonce);
    if (first.has(id)) results[index] = false;
    else first.set(id, { ...op, index });
  });
  // A stable order across concurrent batches avoids lock-order deadlocks on PostgreSQL.
  const rows = [...first.values()].sort(
    (a, b) => a.expiresAt - b.expiresAt || cmp(a.keyId, b.keyId) || cmp(a.nonce, b.nonce),
  );
  const won = new Set<string>();
  for (const chunk of rowChunks(rows)) {
    const inserted = await trx
      .insertInto('nonces')
      .values(chunk.map((r) => ({ expires_at: r.expiresAt, key_id: r.keyId, nonce: r.nonce })))
      .onConflict((oc) => oc.doNothing())
      .returning(['expires_at', 'key_id', 'nonce'])
      .execute();
    for (const r of inserted) won.add(rowKey(Number(r.expires_at), r.key_id, r.nonce));
  }
  for (const [id, op] of first) results[op.index] = won.has(id);
  return results;
}

const rowKey = (expiresAt: number, keyId: string, nonce: string) =>
  keyOf(String(expiresAt), keyId, nonce);

/** Forgets nonces that expired before `before`; answers how many. */
export async function purgeNoncesIn(trx: Db, before: Date): Promise<number> {
  const result = await trx
    .deleteFrom('nonces')
    .where('expires_at', '<', before.getTime())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
