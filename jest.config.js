// ESM + TypeScript: the @actions/* packages are ESM-only, so tests run as ES modules.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // Fixture projects carry package.json files of their own: not modules of this one.
  modulePathIgnorePatterns: ['<rootDir>/test/fixtures/', '<rootDir>/example/'],
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/count-reporter.cjs'],
};
