// The floors are data (.dependency-cruiser.js) and dependency-cruiser checks them: the real tree
// has no violation, and each rule catches a violation planted in a scratch tree that mirrors
// the folders (the same rules file, run by the same tool).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const FOLDERS = ['harness', 'agents', 'faults', 'workloads', 'reports'];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string): Violation[] {
  const r = spawnSync(process.execPath, [DEPCRUISE, ...FOLDERS.filter((f) => fs.existsSync(path.join(cwd, f))), '--config', path.join(ROOT, '.dependency-cruiser.js'), '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.stdout.trim() === '') throw new Error(`depcruise printed nothing: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

test('the tree keeps its floors', () => {
  const v = cruise(ROOT);
  expect(v.map((x) => `${x.rule.name}: ${x.from} -> ${x.to}`)).toEqual([]);
}, 120_000);

describe('each rule catches a planted violation', () => {
  let tmp: string;
  /** a scratch tree: `files` maps a path to the modules it imports */
  function plant(files: Record<string, string[]>): Violation[] {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-floors-'));
    fs.writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }));
    for (const [file, imports] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
      const lines = imports.map((to, i) => {
        let rel = path.relative(path.dirname(file), to).replace(/\.ts$/, '');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return `import * as m${i} from '${rel}';\nexport const u${i} = m${i};`;
      });
      fs.writeFileSync(path.join(tmp, file), `${lines.join('\n')}\nexport const here = 1;\n`);
    }
    return cruise(tmp);
  }
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const rules = (v: Violation[]): string[] => [...new Set(v.map((x) => x.rule.name))].sort();

  test.each<[string, Record<string, string[]>, string]>([
    ['the ground floor imports the run', { 'harness/core/index.ts': ['harness/run/index.ts'], 'harness/run/index.ts': [] }, 'ground-floor-imports-nothing-above'],
    ['a fault imports the campaign loader', { 'faults/x/index.ts': ['harness/campaign/index.ts'], 'harness/campaign/index.ts': [] }, 'lower-floors-use-only-the-ground-floor-of-harness'],
    ['a workload imports the run', { 'workloads/x/index.ts': ['harness/run/index.ts'], 'harness/run/index.ts': [] }, 'lower-floors-use-only-the-ground-floor-of-harness'],
    ['an agent module imports the commands', { 'agents/x.ts': ['harness/commands/run/index.ts'], 'harness/commands/run/index.ts': [] }, 'lower-floors-use-only-the-ground-floor-of-harness'],
    ['an agent module imports reports', { 'agents/x.ts': ['reports/index.ts'], 'reports/index.ts': [] }, 'plugins-and-engines-do-not-import-reports'],
    ['reports import the cluster', { 'reports/x.ts': ['harness/cluster/index.ts'], 'harness/cluster/index.ts': [] }, 'lower-floors-use-only-the-ground-floor-of-harness'],
    ['reports import the agents', { 'reports/x.ts': ['agents/index.ts'], 'agents/index.ts': [] }, 'reports-render-only'],
    ['an engine imports a plugin', { 'harness/health/index.ts': ['faults/index.ts'], 'faults/index.ts': [] }, 'engines-below-plugins-and-the-run'],
    ['the run imports the commands', { 'harness/run/index.ts': ['harness/commands/run/index.ts'], 'harness/commands/run/index.ts': [] }, 'the-run-below-the-commands'],
    ['a module reaches past a folder\'s index', { 'harness/run/index.ts': ['harness/checkers/models/x.ts'], 'harness/checkers/models/x.ts': [], 'harness/checkers/models/index.ts': [] }, 'through-the-index-2'],
  ])('%s', (_, files, rule) => {
    expect(rules(plant(files))).toContain(rule);
  }, 60_000);

  test('a cycle between folders (through their indexes, module by module acyclic)', () => {
    const v = plant({ 'harness/run/index.ts': ['harness/run/a.ts'], 'harness/run/a.ts': ['harness/checkers/index.ts'], 'harness/checkers/index.ts': ['harness/checkers/b.ts'], 'harness/checkers/b.ts': ['harness/run/index.ts'] });
    expect(rules(v)).toContain('no-cycle-between-folders');
  }, 60_000);

  test('a tree that keeps the floors passes', () => {
    expect(plant({ 'harness/run/index.ts': ['harness/core/index.ts', 'faults/index.ts'], 'faults/index.ts': ['harness/core/index.ts'], 'harness/core/index.ts': [] })).toEqual([]);
  }, 60_000);
});

test('npm run lint:floors runs the same rules', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts['lint:floors']).toContain('.dependency-cruiser.js');
  expect(pkg.scripts.test).toContain('lint:floors');
});
