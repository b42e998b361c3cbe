/** What bench/fake-provider.ts and its parent say to each other over IPC. */

/** The Resend API key the fake accepts and the benchmarked server is configured with. */
export const FAKE_API_KEY = 're_bench_0123456789abcdef';

/**
 * `expect` starts counting distinct emails afresh and asks for one `done` report once `count`
 * have arrived; `stats` asks for a `stats` report now.
 */
export type FakeCommand = { type: 'expect'; count: number } | { type: 'stats' };

/** `ready` once listening; `done` with the times of the first and the last counted email. */
export type FakeReport =
  | { type: 'ready'; url: string }
  | { type: 'done'; at: number; firstAt: number; distinct: number }
  | { type: 'stats'; distinct: number; received: number };
