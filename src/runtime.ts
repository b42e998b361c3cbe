import { setFlagsFromString } from 'node:v8';
import type { ServerConfig } from './config/config.schema';

/**
 * Process-wide settings from the configuration, applied before the application is built (by
 * main.ts, and by the benchmark's servers, which must run as main.ts does).
 */
export function applyRuntimeSettings(server: ServerConfig): void {
  // V8 reads this each time it sizes the old generation, so it applies from here on. (Not every
  // heap flag does: --max-semi-space-size set here was measured to change nothing.)
  if (server.heapGrowingPercent > 0) {
    setFlagsFromString(`--heap-growing-percent=${server.heapGrowingPercent}`);
  }
}
