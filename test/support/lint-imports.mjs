// Runs the project's ESLint config in a plain Node process (jest cannot load eslint.config.mjs:
// ESLint imports it dynamically). Reads {snippets: [{file, source}], globs: [...]} as JSON on
// stdin; prints, for each snippet and then each file the globs match, the no-restricted-imports
// messages. The type-aware rules are off: the snippets are not files of the TypeScript program.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { text } from 'node:stream/consumers';

// import.meta.dirname needs Node 20.11; package.json allows 20.10.
const root = fileURLToPath(new URL('../..', import.meta.url));
const { snippets = [], globs = [] } = JSON.parse(await text(process.stdin));
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
    },
  },
});
const refusals = (result) =>
  result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);

const out = { snippets: [], files: [] };
for (const { file, source } of snippets) {
  const [result] = await eslint.lintText(`${source}\n`, { filePath: join(root, file) });
  out.snippets.push(refusals(result));
}
for (const result of globs.length ? await eslint.lintFiles(globs) : []) {
  out.files.push({ file: result.filePath, refusals: refusals(result) });
}
process.stdout.write(JSON.stringify(out));
