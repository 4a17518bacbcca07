import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  collectCoverageFrom: ['src/**/*.ts', 'machines/**/*.ts'],
  // Builds dist when it is older than the sources: the CLI tests run the built bin.
  globalSetup: '<rootDir>/test/global-setup.ts',
};

export default config;
