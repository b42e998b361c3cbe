import { setFlagsFromString } from 'node:v8';
import { createApp } from './app.factory';
import { ensureApiKeys } from './auth/first-run-key';
import { ConfigError, loadConfig } from './config/config.loader';
import type { AppConfig } from './config/config.schema';

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
  // Read by V8 at every collection, so it applies from here on (before the app allocates).
  if (config.server.heapGrowingPercent > 0) {
    setFlagsFromString(`--heap-growing-percent=${config.server.heapGrowingPercent}`);
  }
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
}

void main();
