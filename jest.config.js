// Tests sit beside the code they test. ts-jest only transpiles (isolatedModules);
// `npm run typecheck` does the type checking once for the whole tree.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/harness', '<rootDir>/agents', '<rootDir>/faults', '<rootDir>/workloads', '<rootDir>/reports'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // One file at a time: the cluster files hold the shared SoftRoCE cluster for minutes (the
  // campaigns for ~10), and a second worker's cluster file would only wait for it and time out;
  // the unit files are a few minutes of the total either way.
  maxWorkers: 1,
  // The shared local SoftRoCE cluster: booted once by the first test that needs it, taken
  // down at the end if this run booted it (harness/cluster/test-support/shared-cluster.ts).
  globalSetup: '<rootDir>/harness/cluster/test-support/cluster-setup.ts',
  globalTeardown: '<rootDir>/harness/cluster/test-support/cluster-teardown.ts',
  reporters: ['default', '<rootDir>/harness/test-support/failure-digest.js'],
};
