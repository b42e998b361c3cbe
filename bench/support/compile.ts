import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './children';

/**
 * Compiles one of the bench's server entry points (bench/*.ts) to plain JavaScript with the
 * project's compiler options, so that it runs under `node` alone, like dist/main.js: no ts-node
 * in the process to add memory or hook stack traces. The .js goes to `outDir` (a temporary
 * directory); run it with NODE_PATH=<root>/node_modules (see NODE_PATH below). Answers its path.
 */
export function compileEntry(relativePath: string, outDir: string): string {
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const source = readFileSync(join(ROOT, relativePath), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { ...options, sourceMap: false, inlineSourceMap: false, declaration: false },
    fileName: relativePath,
  });
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, basename(relativePath).replace(/\.ts$/, '.js'));
  writeFileSync(out, outputText);
  return out;
}

/** How a compiled entry point outside the tree finds the project's packages. */
export const NODE_PATH = join(ROOT, 'node_modules');
