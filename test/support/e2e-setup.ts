import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import buildOnce from './build-once';

const ROOT = join(__dirname, '..', '..');
/** Debian's Chromium, which the Swagger UI test drives (see .ci/setup-browser.sh). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * jest globalSetup of the e2e tier: what `npm test` needs on a fresh machine, set up by the test
 * command itself. Installs Chromium when it is missing (.ci/setup-browser.sh: apt, as root), then
 * compiles src/ to dist/ once.
 */
export default function e2eSetup(): void {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(
      '\ne2e setup: Chromium is missing; installing it (.ci/setup-browser.sh)\n',
    );
    execFileSync('bash', [join(ROOT, '.ci', 'setup-browser.sh')], { cwd: ROOT, stdio: 'inherit' });
  }
  buildOnce();
}
