/**
 * Jest 30 in ESM mode (see README "Tests"). Two projects:
 * - unit: specs next to the code, no infrastructure;
 * - e2e: cross-service tests in test/, against the real Kafka broker and Postgres
 *   that test/setup/global-setup.mjs provides.
 */
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^@app/auth$': '<rootDir>/libs/auth/src/index.ts',
    '^@app/auth/core$': '<rootDir>/libs/auth/src/core.ts',
    '^@app/auth/passport$': '<rootDir>/libs/auth/src/passport/index.ts',
    '^@app/events$': '<rootDir>/libs/events/src/index.ts',
    '^@app/events/kafka$': '<rootDir>/libs/events/src/kafka/index.ts',
    '^@app/http$': '<rootDir>/libs/http/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  // @nestjs/throttler (CommonJS) requires the ESM-only @nestjs/common and @nestjs/core, which Node 20 allows and
  // Jest allows only on Node 24.9+: see test/setup/esm-for-cjs/resolver.cjs.
  resolver: '<rootDir>/test/setup/esm-for-cjs/resolver.cjs',
  setupFiles: ['<rootDir>/test/setup/esm-for-cjs/setup.mjs'],
};

export default {
  // A global option (ignored inside projects): e2e hooks start brokers and services.
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.mjs',
      globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
    },
  ],
};
