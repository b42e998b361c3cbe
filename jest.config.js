/**
 * Test tiers: unit (pure, beside the code), contract (one suite per port against every
 * implementation: fakes, SQLite, PostgreSQL) and e2e (the app over HTTP).
 * content-disposition 3 (under @fastify/static) is ESM-only: Node 20 requires it natively, jest
 * needs it transformed.
 */
const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', {}],
    '^.+/node_modules/content-disposition/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  testEnvironment: 'node',
  rootDir: __dirname,
  // better-sqlite3's errors must be Errors of each test file's realm (see the file).
  setupFilesAfterEnv: ['<rootDir>/test/support/sqlite-errors.setup.ts'],
};
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      // console/: the operator console's browser code (its pure parts run under Node too).
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/console/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'contract',
      testMatch: ['<rootDir>/test/contracts/**/*.spec.ts', '<rootDir>/test/medium/**/*.spec.ts'],
    },
    // Deploy files: Kubernetes manifests rendered and validated, dashboards and alert rules,
    // the image's steps run without a container engine (deploy/image-steps.sh).
    { ...common, displayName: 'deploy', testMatch: ['<rootDir>/test/deploy/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/e2e-setup.ts',
    },
  ],
};
