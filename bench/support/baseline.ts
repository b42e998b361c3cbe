import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './children';

/**
 * The release the A/B pairs compare against: the last commit of the previous round (2026-11-28),
 * before the hardening, plug-in and dispatch redesign of issues 8-13. Its config shape and
 * signing scheme are the same contract, so the same overlay and signed load drive both.
 */
export const BASELINE_REF = '7989e5b6f4bdb9c7249a7e702e4d756d68ec81ad';

/**
 * The hardening of issue 8 as merged (2026-12-04), before the plug-in redesign's later steps: the
 * durable replay cache, tenancy and bounded parsers are in both sides, so what issue 9 and after
 * changed is measured on its own.
 */
export const HARDENING_REF = '1352774c7f4bce32b7d821a30ab9c6db31865809';

/**
 * The baseline built once per machine: `git archive` of the commit into the temp directory,
 * `npm ci`, `tsc`. Answers the path of its `dist/main.js`. Later runs reuse it.
 */
export function baselineServer(
  ref = BASELINE_REF,
  log: (text: string) => unknown = () => {},
): string {
  const dir = join(tmpdir(), `mailover-baseline-${ref.slice(0, 12)}`);
  const main = join(dir, 'dist', 'main.js');
  if (existsSync(main)) return main;
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  log(`building the baseline ${ref.slice(0, 7)} in ${dir} (once; npm ci and tsc, 1 to 3 minutes)`);
  const archive = execFileSync('git', ['archive', '--format=tar', ref], {
    cwd: ROOT,
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', building], { input: archive });
  const quiet = { cwd: building, stdio: 'ignore' as const, timeout: 600_000 };
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], quiet);
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], quiet);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return main;
}
