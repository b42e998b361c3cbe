#!/usr/bin/env node
// `npm start`'s prestart: compiles src/ to dist/ only when dist/ is missing or older than a source
// file or the build settings, so a start with an up-to-date dist/ costs no compilation (the first
// start of a fresh clone builds once).
'use strict';
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function built() {
  try {
    return statSync(join(root, 'dist', 'main.js')).mtimeMs;
  } catch {
    return -1;
  }
}

const sources = Math.max(
  newest(join(root, 'src')),
  newest(join(root, 'tsconfig.json')),
  newest(join(root, 'tsconfig.build.json')),
  newest(join(root, 'console')),
);
if (built() >= sources) {
  process.stdout.write('mailover: dist/ is up to date\n');
} else {
  process.stdout.write('mailover: building dist/ (tsc)\n');
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
    ],
    { cwd: root, stdio: 'inherit' },
  );
  execFileSync(process.execPath, [join(root, 'scripts', 'build-console.js')], {
    cwd: root,
    stdio: 'inherit',
  });
}
