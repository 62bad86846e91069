// Tests sit beside the code they test. ts-jest only transpiles (isolatedModules);
// `npm run typecheck` does the type checking once for the whole tree.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/harness', '<rootDir>/agents', '<rootDir>/faults', '<rootDir>/workloads', '<rootDir>/reports'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Slow suites that need the shared SoftRoCE cluster run serially in one worker.
  maxWorkers: 2,
  // The shared local SoftRoCE cluster: booted once by the first test that needs it, taken
  // down at the end if this run booted it (harness/cluster/test-support/shared-cluster.ts).
  globalSetup: '<rootDir>/harness/cluster/test-support/cluster-setup.ts',
  globalTeardown: '<rootDir>/harness/cluster/test-support/cluster-teardown.ts',
};
