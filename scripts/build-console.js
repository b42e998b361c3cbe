#!/usr/bin/env node
// Builds the operator console (console/): its TypeScript to ES modules, then its static files,
// into dist/console-ui (or the directory given as the first argument). No bundler: the console is
// a few small modules that the browser loads from the same origin.
'use strict';
const { execFileSync } = require('node:child_process');
const { cpSync, rmSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = join(__dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'dist', 'console-ui'));
rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    join(root, 'console', 'tsconfig.json'),
    '--outDir',
    out,
  ],
  { cwd: root, stdio: 'inherit' },
);
cpSync(join(root, 'console', 'public'), out, { recursive: true });
