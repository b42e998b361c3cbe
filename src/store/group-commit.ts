/** One item's outcome inside a shared commit: a failed item does not fail its neighbours. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Counters for metrics and tests: `writes / transactions` is the mean batch size. */
export interface GroupCommitStats {
  transactions: number;
  writes: number;
}

interface Pending<Op, R> {
  op: Op;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: writes submitted in the same tick, or while a commit is in flight, are handed to
 * `commit` together, so one transaction (one fsync) serves the whole batch. One commit runs at a
 * time; each promise settles when the transaction holding its write has committed.
 */
export class GroupCommit<Op, R> {
  readonly stats: GroupCommitStats = { transactions: 0, writes: 0 };
  private queue: Array<Pending<Op, R>> = [];
  private scheduled = false;
  private running = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    /** Writes the batch in one transaction; answers one outcome per op, in order. Throwing fails the whole batch. */
    private readonly commit: (ops: Op[]) => Promise<Array<Settled<R>>>,
    private readonly maxBatch = 500,
  ) {}

  submit(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  idle(): Promise<void> {
    if (!this.running && !this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: writes from every request parsed in this I/O phase join.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.stats.transactions++;
      this.stats.writes += batch.length;
      try {
        const outcomes = await this.commit(batch.map((p) => p.op));
        batch.forEach((p, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok) p.resolve(outcome.value);
          else p.reject(outcome ? outcome.error : new Error('group commit returned no outcome'));
        });
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.running = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
