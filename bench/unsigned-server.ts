/**
 * The real application without request signing, for the "unsigned" figure: the same compiled
 * `createApp(config)` as dist/main.js (loaded from dist/), the same runtime settings, configuration, guards, rate
 * limit, store and worker, except that `RequestAuthenticator.verify` and `.authenticate` answer
 * "the bench key" at once: no HMAC, no body hash, no nonce claim. Mailover has no setting that turns
 * signing off (auth is mandatory on /v1/*), so this lives here, in the benchmark, and nowhere else.
 *
 *   MAILOVER_CONFIG=... MAILOVER_DATA_DIR=... PORT=... \
 *   BENCH_KEY_ID=bench node -r ts-node/register/transpile-only bench/unsigned-server.ts
 */
import { join } from 'node:path';

/** The project root: given by bench/run.ts, which runs a compiled copy of this file from elsewhere. */
const DIST = join(process.env.MAILOVER_BENCH_ROOT ?? join(__dirname, '..'), 'dist');

async function main(): Promise<void> {
  const { loadConfig } = (await import(
    join(DIST, 'config', 'config.loader.js')
  )) as typeof import('../src/config/config.loader');
  const { createApp } = (await import(
    join(DIST, 'app.factory.js')
  )) as typeof import('../src/app.factory');
  const { RequestAuthenticator } = (await import(
    join(DIST, 'auth', 'request-authenticator.service.js')
  )) as typeof import('../src/auth/request-authenticator.service');
  const { KeyRing } = (await import(
    join(DIST, 'auth', 'key-ring.service.js')
  )) as typeof import('../src/auth/key-ring.service');

  const { applyRuntimeSettings } = (await import(
    join(DIST, 'runtime.js')
  )) as typeof import('../src/runtime');

  const config = loadConfig(process.env);
  applyRuntimeSettings(config.server);
  const app = await createApp(config);
  const key = app.get(KeyRing).get(process.env.BENCH_KEY_ID ?? '');
  if (!key) throw new Error('BENCH_KEY_ID must name a key of auth.keys');
  // The body parsers and both guards share this one instance, so every caller sees the stub.
  const authenticator = app.get(RequestAuthenticator);
  const verified = { ok: true as const, key };
  const accepted = Promise.resolve(verified);
  authenticator.verify = () => verified;
  authenticator.authenticate = () => accepted;
  await app.listen(config.server.port, config.server.host);
}

void main();
