import autocannon from 'autocannon';
import { signRequest } from '../../src/domain/signing';

/** An API key the load generator signs with. */
export interface BenchKey {
  id: string;
  secret: string;
}

/** What one load run measured. Latencies in ms; rps counts 2xx answers only. */
export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** When the last answer arrived (epoch ms). */
  lastAnswerAt: number;
  /** Status codes other than 2xx, with their counts (to say why a run is not clean). */
  statuses: Record<string, number>;
}

export interface LoadTarget {
  url: string;
  path: string;
  body: string;
  /** Sign every request (fresh timestamp and nonce each) with this key; none: send unsigned. */
  key?: BenchKey;
  connections: number;
}

/**
 * Load for a fixed time: `warmupSeconds` whose figures are discarded, then `seconds` measured.
 * `beforeMeasuring` runs between the two. Pipelining 1; every request is built afresh (signed or not, so both cost the client alike).
 */
export async function timedLoad(
  target: LoadTarget,
  warmupSeconds: number,
  seconds: number,
  beforeMeasuring: () => void = () => undefined,
): Promise<LoadFigures> {
  if (warmupSeconds > 0) await run(target, { duration: warmupSeconds }, warmupSeconds + 10);
  beforeMeasuring();
  return run(target, { duration: seconds }, seconds + 10);
}

/** Exactly `amount` requests as fast as `connections` take them; gives up after `maxSeconds`. */
export function amountLoad(
  target: LoadTarget,
  amount: number,
  maxSeconds: number,
): Promise<LoadFigures> {
  return run(target, { amount }, maxSeconds);
}

function run(
  target: LoadTarget,
  bound: { duration: number } | { amount: number },
  maxSeconds: number,
): Promise<LoadFigures> {
  const { url, path, body, key } = target;
  const headers = { 'content-type': 'application/json' };
  const setupRequest = (req: autocannon.Request): autocannon.Request => {
    req.method = 'POST';
    req.path = path;
    req.body = body;
    req.headers = key
      ? {
          ...headers,
          ...signRequest({ keyId: key.id, secret: key.secret, method: 'POST', target: path, body }),
        }
      : { ...headers };
    return req;
  };
  const started = process.hrtime.bigint();
  const startedAt = Date.now();
  return new Promise<LoadFigures>((resolve, reject) => {
    let lastAnswerAt = 0;
    const instance = autocannon(
      {
        url,
        connections: target.connections,
        pipelining: 1,
        timeout: 10,
        ...bound,
        requests: [{ method: 'POST', path, setupRequest }],
      },
      (err, result) => {
        clearTimeout(guard);
        if (err) return reject(err);
        // autocannon may report a moment after the last answer; an amount is timed to that answer.
        const seconds = lastAnswerAt
          ? (lastAnswerAt - startedAt) / 1000
          : Number(process.hrtime.bigint() - started) / 1e9;
        const statuses: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
          if (!code.startsWith('2')) statuses[code] = count;
        }
        const measured = 'duration' in bound ? result.duration : seconds;
        resolve({
          rps: result['2xx'] / measured,
          p50: result.latency.p50,
          p99: result.latency.p99,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          seconds: measured,
          statuses,
          lastAnswerAt,
        });
      },
    );
    instance.on('response', () => (lastAnswerAt = Date.now()));
    // A hard stop, whatever the server does: every load loop ends by itself.
    const guard = setTimeout(() => instance.stop(), maxSeconds * 1000);
  });
}
