// @actions/* are ESM-only, so tests run as native ES modules (node --experimental-vm-modules).
const esm = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }] }
}

export default {
  projects: [
    { ...esm, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...esm,
      displayName: 'testbed',
      testMatch: ['<rootDir>/__tests__/testbed/**/*.test.ts'],
      globalSetup: '<rootDir>/testbed/jest-setup.ts',
      globalTeardown: '<rootDir>/testbed/jest-teardown.ts'
    }
  ],
  // Real builds share one Docker Engine and one buildkitd: run test files one at a time.
  maxWorkers: 1,
  testTimeout: 600000
}
