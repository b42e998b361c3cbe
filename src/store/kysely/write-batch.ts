import type { EmailRecord } from '../../domain/email-record';
import type { CreateResult, IdempotencyClaim, NewEmail } from '../email.store';
import type { Settled } from '../group-commit';
import { claimIn, type ClaimOp } from './claims';
import { finishRounds, insertEmails, type FinishOp } from './email-writes';
import { answerRepeats, claimIdempotencyKeys, type KeyedCreate } from './idempotency';
import { claimNonces, type NonceOp } from './nonces';
import { newRecord } from './row-codec';
import { type Db, savepoint, type StoreDialect } from './transactions';

// One group commit's batch: every write that arrived meanwhile, in one transaction.

export type WriteOp =
  | { kind: 'create'; email: NewEmail; idempotency?: IdempotencyClaim; nonce?: NonceOp }
  | ({ kind: 'finish' } & FinishOp)
  | ({ kind: 'claim' } & ClaimOp)
  | ({ kind: 'nonce' } & NonceOp);
export type WriteResult = CreateResult | boolean | EmailRecord[];

/**
 * Inside the caller's transaction: the batch written set-wise under a savepoint and, if any
 * statement fails, again item by item under savepoints, so only the failing item fails.
 */
export async function writeBatch(
  trx: Db,
  dialect: StoreDialect,
  ops: WriteOp[],
): Promise<Array<Settled<WriteResult>>> {
  if (ops.length === 1) return [{ ok: true, value: (await applyWrites(trx, dialect, ops))[0] }];
  try {
    const values = await savepoint(trx, 'batch', () => applyWrites(trx, dialect, ops));
    return values.map((value) => ({ ok: true, value }));
  } catch {
    const settled: Array<Settled<WriteResult>> = [];
    for (const op of ops) {
      try {
        const [value] = await savepoint(trx, 'item', () => applyWrites(trx, dialect, [op]));
        settled.push({ ok: true, value });
      } catch (error) {
        settled.push({ ok: false, error });
      }
    }
    return settled;
  }
}

type Indexed<T> = T & { index: number };

/** Applies the writes set-wise; answers one result per op. */
async function applyWrites(trx: Db, dialect: StoreDialect, ops: WriteOp[]): Promise<WriteResult[]> {
  const results: WriteResult[] = new Array<WriteResult>(ops.length);
  let creates: Array<
    Indexed<{ email: NewEmail; idempotency?: IdempotencyClaim; nonce?: NonceOp }>
  > = [];
  const finishes: Array<Indexed<FinishOp>> = [];
  const claims: Array<Indexed<ClaimOp>> = [];
  const nonces: Array<Indexed<NonceOp>> = [];
  ops.forEach((op, index) => {
    if (op.kind === 'create') creates.push({ ...op, index });
    else if (op.kind === 'finish') finishes.push({ ...op, index });
    else if (op.kind === 'nonce') nonces.push({ ...op, index });
    else claims.push({ ...op, index });
  });
  // Nonces first, the standalone ones and those sent with an email alike: an email whose signed
  // request was already used is not stored.
  const withNonce = creates.filter((c) => c.nonce !== undefined);
  if (nonces.length + withNonce.length > 0) {
    const taken = await claimNonces(trx, [...nonces, ...withNonce.map((c) => c.nonce!)]);
    nonces.forEach((n, i) => (results[n.index] = taken[i]));
    const replays = new Set<number>();
    withNonce.forEach((c, i) => {
      if (taken[nonces.length + i]) return;
      results[c.index] = { kind: 'nonce-taken' };
      replays.add(c.index);
    });
    if (replays.size > 0) creates = creates.filter((c) => !replays.has(c.index));
  }

  const keyed = creates.filter((c): c is Indexed<KeyedCreate> => c.idempotency !== undefined);
  const losers = new Set<number>();
  if (keyed.length > 0) {
    const lost = await claimIdempotencyKeys(trx, keyed);
    keyed.forEach((c, i) => lost[i] && losers.add(c.index));
  }

  const fresh = creates.filter((c) => !losers.has(c.index));
  await insertEmails(
    trx,
    fresh.map((c) => c.email),
  );
  for (const c of fresh) results[c.index] = { kind: 'created', email: newRecord(c.email) };

  if (losers.size > 0) {
    const repeats = keyed.filter((c) => losers.has(c.index));
    const answers = await answerRepeats(
      trx,
      repeats.map((c) => c.idempotency),
    );
    repeats.forEach((c, i) => (results[c.index] = answers[i]));
  }

  if (finishes.length > 0) {
    const finished = await finishRounds(trx, finishes);
    finishes.forEach((f, i) => (results[f.index] = finished[i]));
  }
  // Last, so a claim sees what this batch created and finished.
  for (const c of claims) results[c.index] = await claimIn(trx, dialect, c);
  return results;
}
