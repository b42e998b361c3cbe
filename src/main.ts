import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/config.loader';
import type { AppConfig } from './config/config.schema';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`mailover: invalid configuration\n${e.problems.join('\n')}\n`);
    process.exit(1);
  }
  const app = await createApp(config);
  await app.listen(config.server.port, config.server.host);
}

void main();
