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

/**
 * Times the compiled (dist/) signing code over a 1 KB body, `count` requests each way,
 * after a warm-up of the same size.
 */
export async function signingCost(key: BenchKey, body: string, count = 50_000): Promise<SigningCost> {
  const { signRequest, verifyRequest } = (await import(
    join(DIST, 'domain', 'signing.js')
  )) as typeof import('../../src/domain/signing');
  const { MemoryNonceStore } = (await import(
    join(DIST, 'auth', 'memory-nonce.store.js')
  )) as typeof import('../../src/auth/memory-nonce.store');

  const raw = Buffer.from(body);
  const sign = () => signRequest({ keyId: key.id, secret: key.secret, method: 'POST', target: '/v1/emails', body });
  const signed = () =>
    Array.from({ length: count }, () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(sign())) headers[name.toLowerCase()] = value;
      return { method: 'POST', target: '/v1/emails', headers, body: raw };
    });
  const options = { secretOf: (id: string) => (id === key.id ? key.secret : undefined), maxSkewSeconds: 300 };

  const time = (fn: (i: number) => void): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) fn(i);
    return Number(process.hrtime.bigint() - start) / 1e3 / count;
  };

  time(() => sign());
  const signUs = time(() => sign());

  const verifyAll = (requests: ReturnType<typeof signed>, claim?: InstanceType<typeof MemoryNonceStore>) => {
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
  verifyAll(signed());
  const verifyUs = verifyAll(signed());
  verifyAll(signed(), new MemoryNonceStore());
  const verifyAndClaimUs = verifyAll(signed(), new MemoryNonceStore());
  return { signUs, verifyUs, verifyAndClaimUs };
}
