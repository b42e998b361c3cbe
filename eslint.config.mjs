// @ts-check
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

/**
 * The one-way house: `http -> dispatch -> providers / store -> domain`, with config and auth
 * beside. Each folder of src/ lists the folders of src/ its code may import; an import of any
 * other (or of a new folder nobody placed yet, or of a root file such as app.module.ts) is an
 * error. The composition root (src/*.ts: main, app.module, app.factory, runtime) may import
 * anything, and so may tests (specs import test/ support).
 * - domain: nothing of ours, and no @nestjs (framework-free types and pure functions).
 * - common: small shared HTTP-layer types both http and auth throw (the problem exception).
 * - providers: domain only; config imports providers (to validate each plug-in's options), never
 *   the other way round.
 * - store: domain, and config for its module's wiring (StoreConfig, the data directory).
 * - the rest: what the table below says.
 * Exported for eslint.config.spec.ts, which proves an import against the direction is refused.
 */
export const LAYERS = {
  domain: [],
  common: ['domain'],
  providers: ['domain'],
  metrics: ['domain'],
  config: ['domain', 'providers'],
  store: ['domain', 'config'],
  auth: ['store', 'domain', 'config', 'common'],
  logging: ['domain', 'config'],
  webhooks: ['store', 'domain', 'config', 'metrics'],
  dispatch: ['providers', 'store', 'domain', 'config', 'metrics', 'webhooks'],
  events: [
    'dispatch',
    'store',
    'providers',
    'auth',
    'domain',
    'config',
    'metrics',
    'common',
    'webhooks',
  ],
  console: ['domain', 'config', 'common'],
  health: ['dispatch', 'store', 'auth', 'domain', 'config'],
  http: ['dispatch', 'events', 'webhooks', 'auth', 'domain', 'config', 'metrics', 'common'],
  client: ['domain'],
  cli: ['client', 'domain'],
};

/** Deepest folder nesting under a layer (src/providers/<vendor>/x.ts is depth 2). */
const MAX_DEPTH = 3;

/** One config block per layer and depth: relative imports leaving the layer must name an allowed one. */
function layerRules() {
  return Object.entries(LAYERS).flatMap(([layer, allowed]) =>
    Array.from({ length: MAX_DEPTH }, (_, i) => {
      const depth = i + 1;
      const up = '\\.\\./'.repeat(depth);
      const allowedPart = allowed.length ? `(?!(${allowed.join('|')})/)` : '';
      const patterns = [
        {
          regex: `^${up}${allowedPart}`,
          message: `src/${layer} may import only ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'its own files'} (see LAYERS in eslint.config.mjs).`,
        },
      ];
      if (layer === 'domain')
        patterns.push({ regex: '^@nestjs/', message: 'src/domain is framework-free: no @nestjs.' });
      return {
        files: [`src/${layer}/${'*/'.repeat(depth - 1)}*.ts`],
        ignores: ['**/*.spec.ts'],
        rules: { 'no-restricted-imports': ['error', { patterns }] },
      };
    }),
  );
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read process.env only in src/config/.',
        },
      ],
    },
  },
  {
    // Type-aware rules where they matter most: a promise nobody awaits loses its error, a switch
    // that misses a case of a union silently does nothing.
    files: ['src/**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)),
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  ...layerRules(),
  {
    files: ['src/config/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'src/cli/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
