import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { stringify } from 'yaml';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config.loader';
import type { AppConfig } from '../../src/config/config.schema';
import type { ProviderRegistry } from '../../src/providers/provider.registry';
import { signRequest } from '../../src/domain/signing';

export const TEST_KEY = { id: 'e2e-key', secret: 'e2e-secret-0123456789abcdef0123456789' };

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestApp {
  url: string;
  app: NestFastifyApplication;
  config: AppConfig;
  dataDir: string;
  /** A signed request with the test key (all scopes). */
  request(
    method: string,
    target: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/** Fast timings so that failover, breakers and backoff play out in well under a second. */
export const FAST_DISPATCH = {
  pollIntervalMs: 20,
  leaseMs: 5000,
  backoffBaseMs: 50,
  backoffMaxMs: 200,
  // Stuck detection off in effect (a loaded test machine stalls for more than the default 50 ms):
  // tests that assert the route need it deterministic; the stuck tests set their own.
  breaker: { consecutiveFailures: 3, halfOpenAfterMs: 400, slowCallMinMs: 60_000 },
};

/**
 * Boots the whole application on 127.0.0.1 and an ephemeral port, configured the way an operator
 * would: a YAML overlay over config/default.yaml, loaded and validated by the real loader.
 * `registry` replaces the shipped provider plug-ins (the loader and the app get the same one).
 */
export async function startTestApp(
  overlay: Record<string, unknown>,
  dataDir = mkdtempSync(join(tmpdir(), 'mailover-e2e-')),
  registry?: ProviderRegistry,
): Promise<TestApp> {
  const file = join(dataDir, 'overlay.yaml');
  const base = {
    auth: {
      keys: [{ id: TEST_KEY.id, secret: TEST_KEY.secret, scopes: ['send', 'read', 'admin'] }],
    },
    rateLimit: {
      default: { limit: 100000, ttlMs: 1000 },
      anonymous: { limit: 100000, ttlMs: 1000 },
    },
    logging: { level: 'warn' },
  };
  writeFileSync(file, stringify({ ...base, ...overlay }));
  const config = loadConfig(
    { MAILOVER_CONFIG: file, MAILOVER_DATA_DIR: dataDir, NODE_ENV: 'test' },
    undefined,
    registry,
  );
  const app = await createApp(config, registry);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return {
    url,
    app,
    config,
    dataDir,
    request: (method, target, body, headers) => signedRequest(url, method, target, body, headers),
    close: () => app.close(),
  };
}

/** Sends a request signed with the test key; a string body is sent as is (set its content type). */
export async function signedRequest(
  url: string,
  method: string,
  target: string,
  body?: unknown,
  headers: Record<string, string> = {},
  key = TEST_KEY,
): Promise<HttpAnswer> {
  const raw =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const contentType: Record<string, string> =
    raw === undefined || typeof body === 'string' ? {} : { 'content-type': 'application/json' };
  const signature = signRequest({ keyId: key.id, secret: key.secret, method, target, body: raw });
  const res = await fetch(url + target, {
    method,
    body: raw,
    headers: { ...contentType, ...signature, ...headers },
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Polls until `check` answers a value (not undefined/false), or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  ms = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the email reaches one of the statuses and answers its record. */
export function statusOf(app: TestApp, id: string, statuses: string[], ms = 5000) {
  return eventually(
    async () => {
      const res = await app.request('GET', `/v1/emails/${id}`);
      return statuses.includes(res.json?.status) ? res.json : undefined;
    },
    ms,
    `email ${id} to be ${statuses.join('|')}`,
  );
}
