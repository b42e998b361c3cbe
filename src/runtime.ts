import { setFlagsFromString } from 'node:v8';
import type { ServerConfig } from './config/config.schema';

/**
 * Process-wide settings from the configuration, applied before the application is built (by
 * main.ts, and by the benchmark's servers, which must run as main.ts does).
 */
export function applyRuntimeSettings(server: ServerConfig): void {
  // V8 reads both when it next sizes the heap, so they apply from here on (measured: the
  // figures in bench/README.md move as they do with the same flags on the command line).
  if (server.heapGrowingPercent > 0) {
    setFlagsFromString(`--heap-growing-percent=${server.heapGrowingPercent}`);
  }
  if (server.semiSpaceMb > 0) setFlagsFromString(`--max-semi-space-size=${server.semiSpaceMb}`);
}
