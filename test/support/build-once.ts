import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * jest globalSetup of the e2e tier: compiles src/ to dist/ (and the console) once, so the tests that run the real
 * server process (crash, shutdown, first run, logs) start it in a second instead of compiling it
 * per boot, and never run a stale build.
 */
export default function buildOnce(): void {
  const root = join(__dirname, '..', '..');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  // The operator console's static files (dist/console-ui), as npm run build makes them.
  execFileSync(process.execPath, [join(root, 'scripts/build-console.js')], {
    cwd: root,
    stdio: 'inherit',
  });
}
