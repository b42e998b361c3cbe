import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ensureApiKeys } from './auth/first-run-key';
import { ConfigError, loadConfig, replicaWarnings } from './config/config.loader';
import type { AppConfig } from './config/config.schema';
import { applyRuntimeSettings } from './runtime';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
    ensureApiKeys(config, (text) => process.stdout.write(text));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`mailover: invalid configuration\n${e.problems.join('\n')}\n`);
    process.exit(1);
  }
  applyRuntimeSettings(config.server);
  const app = await createApp(config);
  // Nest's own shutdown hooks re-raise the signal (exit by signal); a clean stop exits 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`mailover: shutdown failed: ${(e as Error)?.message}\n`);
          process.exit(1);
        },
      );
    });
  }
  await app.listen(config.server.port, config.server.host);
  const logger = new Logger('Mailover');
  logger.log(startupLine(config, await app.getUrl()));
  for (const warning of replicaWarnings(config)) logger.warn(warning);
}

/** One line that says where this process listens, what it runs and against what. */
function startupLine(config: AppConfig, url: string): string {
  const store =
    config.store.driver === 'sqlite'
      ? `sqlite ${resolve(config.dataDir, config.store.sqliteFile)}`
      : `postgres ${redactUrl(config.store.postgresUrl!)}`;
  const providers = config.providers.length
    ? config.providers.map((p) => `${p.id} (${p.type})`).join(', ')
    : 'sandbox (writes .eml files)';
  const docs = config.server.role === 'worker' ? 'none (worker role)' : `${url}/docs`;
  return `listening on ${url}; role ${config.server.role}; store ${store}; providers ${providers}; docs ${docs}`;
}

/** A connection URL without its password. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

void main();
