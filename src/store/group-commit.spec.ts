import { GroupCommit, type Settled } from './group-commit';

/** A commit whose completion the test controls, recording every batch it was given. */
function controlledCommit() {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  let fail: unknown;
  const commit = (ops: number[]): Promise<Array<Settled<string>>> => {
    batches.push(ops);
    return new Promise((resolve, reject) =>
      pending.push(() =>
        fail
          ? reject(fail)
          : resolve(
              ops.map((n) =>
                n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: `v${n}` },
              ),
            ),
      ),
    );
  };
  return {
    batches,
    commit,
    failNext: (error: unknown) => (fail = error),
    finish: async () => {
      while (pending.length === 0) await new Promise(setImmediate);
      pending.shift()!();
      fail = undefined;
    },
  };
}

describe('GroupCommit', () => {
  it('writes everything submitted in one tick in one commit', async () => {
    const c = controlledCommit();
    const group = new GroupCommit(c.commit);
    const results = Promise.all([1, 2, 3].map((n) => group.submit(n)));
    await c.finish();
    expect(await results).toEqual(['v1', 'v2', 'v3']);
    expect(c.batches).toEqual([[1, 2, 3]]);
    expect(group.stats).toEqual({ transactions: 1, writes: 3 });
  });

  it('gathers what arrives during a commit into the next one', async () => {
    const c = controlledCommit();
    const group = new GroupCommit(c.commit);
    const first = group.submit(1);
    while (c.batches.length === 0) await new Promise(setImmediate);
    const later = [group.submit(2), group.submit(3)];
    await new Promise(setImmediate);
    expect(c.batches).toEqual([[1]]);
    await c.finish();
    await c.finish();
    expect(await Promise.all([first, ...later])).toEqual(['v1', 'v2', 'v3']);
    expect(c.batches).toEqual([[1], [2, 3]]);
  });

  it('fails only the items that failed, and every item when the commit fails', async () => {
    const c = controlledCommit();
    const group = new GroupCommit(c.commit);
    const mixed = [group.submit(1), group.submit(-1), group.submit(2)];
    await c.finish();
    await expect(mixed[0]).resolves.toBe('v1');
    await expect(mixed[1]).rejects.toThrow('bad -1');
    await expect(mixed[2]).resolves.toBe('v2');

    c.failNext(new Error('disk full'));
    const doomed = [group.submit(3), group.submit(4)];
    await c.finish();
    for (const p of doomed) await expect(p).rejects.toThrow('disk full');
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const c = controlledCommit();
    const group = new GroupCommit(c.commit, 2);
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => group.submit(n)));
    for (let i = 0; i < 3; i++) await c.finish();
    await all;
    expect(c.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('is idle once everything submitted has settled', async () => {
    const c = controlledCommit();
    const group = new GroupCommit(c.commit);
    await group.idle();
    const write = group.submit(1);
    let idle = false;
    const waiting = group.idle().then(() => (idle = true));
    await new Promise(setImmediate);
    expect(idle).toBe(false);
    await c.finish();
    await waiting;
    await expect(write).resolves.toBe('v1');
  });
});
