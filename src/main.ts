import { createApp } from './app.factory';
import { ensureApiKeys } from './auth/first-run-key';
import { ConfigError, loadConfig } from './config/config.loader';
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
}

void main();
