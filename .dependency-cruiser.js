// The floors of rdma-chaos as rules (harness/README.md draws them). `npm run lint:floors` and
// harness/floors.test.ts check them; a wrong arrow fails the build.
//   1 top:       harness/main.ts, harness/cli.ts, harness/commands/
//   2 the run:   harness/run/ (its stages), harness/campaign/
//   3 plugins:   workloads/<name>/, faults/<kind>/, agents/failover/<policy>/
//   4 engines:   harness/checkers/, harness/analysis/, harness/cluster/, harness/health/,
//                harness/setup/, agents/ (the agent, its client and binding)
//   5 renderers: reports/
//   6 ground:    harness/core/
const SRC = '^(harness|agents|faults|workloads|reports)/';
// tests, their support and benchmarks: wiring, left out of the rules (options.exclude)
const WIRING = '(\\.test\\.ts$|/test-support/|/bench/)';

/** a cross-folder import goes to the folder's index.ts, unless the importer is inside that folder */
function throughIndex(depth) {
  const dirs = Array.from({ length: depth }, (_, i) => `$${i + 1}`);
  const ancestors = dirs.map((_, i) => `^${dirs.slice(0, i + 1).join('/')}/[^/]+$`);
  return {
    name: `through-the-index-${depth}`,
    comment: 'import another folder through its index.ts: its public face',
    severity: 'error',
    from: { path: `^${'([^/]+)/'.repeat(depth)}[^/]+$` },
    to: { path: SRC, pathNot: ['/index\\.ts$', ...ancestors] },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'ground-floor-imports-nothing-above',
      comment: 'harness/core is the ground floor: it imports nothing of ours outside itself',
      severity: 'error',
      from: { path: '^harness/core/' },
      to: { path: SRC, pathNot: '^harness/core/' },
    },
    {
      name: 'lower-floors-use-only-the-ground-floor-of-harness',
      comment: 'agents/, faults/, workloads/ and reports/ import harness/core only (never the run, the campaign loader, the commands, the drivers)',
      severity: 'error',
      from: { path: '^(agents|faults|workloads|reports)/' },
      to: { path: '^harness/', pathNot: '^harness/core/' },
    },
    {
      name: 'plugins-and-engines-do-not-import-reports',
      severity: 'error',
      from: { path: '^(agents|faults|workloads)/' },
      to: { path: '^reports/' },
    },
    {
      name: 'reports-render-only',
      comment: 'reports/ reads a run directory and the ground floor: not the cluster, the agents, the run or the plugins',
      severity: 'error',
      from: { path: '^reports/' },
      to: { path: '^(agents|faults|workloads)/' },
    },
    {
      name: 'engines-below-plugins-and-the-run',
      comment: 'checkers, analysis, drivers, health and setup are told what plugins know; they never import plugins, the run or the commands',
      severity: 'error',
      from: { path: '^harness/(checkers|analysis|cluster|health|setup)/' },
      to: { path: '^(faults/|workloads/|harness/(run|campaign|commands)/|harness/(cli|main)\\.ts$)' },
    },
    {
      name: 'the-run-below-the-commands',
      severity: 'error',
      from: { path: '^harness/(run|campaign)/' },
      to: { path: '^harness/(commands/|cli\\.ts$|main\\.ts$)' },
    },
    {
      name: 'no-cycle-between-folders',
      severity: 'error',
      scope: 'folder',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'no-cycle-between-modules',
      comment: 'a cycle of runtime imports makes load order matter (type-only imports are free)',
      severity: 'error',
      from: { path: SRC },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    throughIndex(1),
    throughIndex(2),
    throughIndex(3),
    throughIndex(4),
    throughIndex(5),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // the product code: tests, test support and benchmarks are wiring and may reach anywhere
    exclude: { path: ['(^|/)(node_modules|dist)/', '^agents/native/', WIRING] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
