import { join } from 'node:path';
import type { BenchKey } from './load';

const DIST = join(__dirname, '..', '..', 'dist');

/** Microseconds per request of each side of signing, measured in this process. */
export interface SigningCost {
  /** The client: `signRequest` (body SHA-256, HMAC, a random nonce). */
  signUs: number;
  /** The server: `verifyRequest` (header checks, body SHA-256, HMAC, constant-time compare). */
  verifyUs: number;
  /** The server's whole check: `verifyRequest` plus claiming the nonce in the in-memory store. */
  verifyAndClaimUs: number;
}

const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Times the compiled (dist/) signing code over a 1 KB body, `count` requests each way,
 * in five rounds after a warm-up round; the median of each.
 */
export async function signingCost(
  key: BenchKey,
  body: string,
  count = 10_000,
): Promise<SigningCost> {
  const { signRequest, verifyRequest } = (await import(
    join(DIST, 'domain', 'signing.js')
  )) as typeof import('../../src/domain/signing');
  const { MemoryNonceStore } = (await import(
    join(DIST, 'auth', 'memory-nonce.store.js')
  )) as typeof import('../../src/auth/memory-nonce.store');

  const raw = Buffer.from(body);
  const sign = () =>
    signRequest({ keyId: key.id, secret: key.secret, method: 'POST', target: '/v1/emails', body });
  type Received = Parameters<typeof verifyRequest>[0];
  const received = (headers: ReturnType<typeof sign>): Received => ({
    method: 'POST',
    target: '/v1/emails',
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    body: raw,
  });
  const options = {
    secretOf: (id: string) => (id === key.id ? key.secret : undefined),
    maxSkewSeconds: 300,
  };

  const time = (fn: (i: number) => void): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) fn(i);
    return Number(process.hrtime.bigint() - start) / 1e3 / count;
  };

  const verifyAll = (
    requests: Received[],
    claim?: InstanceType<typeof MemoryNonceStore>,
  ): number => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    let failures = 0;
    const us = time((i) => {
      const result = verifyRequest(requests[i], { ...options, nowSeconds });
      if (!result.ok) failures++;
      // The in-memory store answers synchronously inside its promise; its cost is all here.
      else if (claim) void claim.claim(result.keyId, result.nonce, (result.timestamp + 301) * 1000);
    });
    if (failures) throw new Error(`${failures} of ${count} signed requests did not verify`);
    return us;
  };

  // Rounds interleaved, median taken: one garbage collection does not make a figure.
  const rounds = { sign: [] as number[], verify: [] as number[], claim: [] as number[] };
  for (let round = 0; round < ROUNDS + 1; round++) {
    const headers = new Array<ReturnType<typeof sign>>(count);
    const signUs = time((i) => (headers[i] = sign()));
    const requests = headers.map(received);
    const verifyUs = verifyAll(requests);
    const claimUs = verifyAll(requests, new MemoryNonceStore());
    if (round === 0) continue; // warm-up
    rounds.sign.push(signUs);
    rounds.verify.push(verifyUs);
    rounds.claim.push(claimUs);
  }
  const signUs = median(rounds.sign);
  const verifyUs = median(rounds.verify);
  const verifyAndClaimUs = median(rounds.claim);
  return { signUs, verifyUs, verifyAndClaimUs };
}
