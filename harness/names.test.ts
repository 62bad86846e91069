// A workload, fault or policy is named only in its own package and its registry: the run, the
// campaign loader, health and reports learn what a plugin knows from the plugin. Names are
// taken from the registries, so a new plugin is covered without touching this test. A few
// words are also plain English or another tool's vocabulary: those homonyms are listed, each
// with the files where it means something else.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { POLICY_NAMES } from '../agents';
import { FAULT_KINDS } from '../faults';
import { WORKLOAD_NAMES } from '../workloads';

const ROOT = path.resolve(__dirname, '..');

const PLUGINS: { kind: string; names: readonly string[]; folder: (n: string) => string; registry: string }[] = [
  { kind: 'workload', names: WORKLOAD_NAMES, folder: (n) => `workloads/${n}/`, registry: 'workloads/index.ts' },
  { kind: 'fault', names: FAULT_KINDS, folder: (n) => `faults/${n}/`, registry: 'faults/index.ts' },
  { kind: 'policy', names: POLICY_NAMES, folder: (n) => `agents/failover/${n}/`, registry: 'agents/failover/index.ts' },
];

/** words that are also something else in these files (a path ending in / is a folder) */
const HOMONYMS: Record<string, { why: string; files: string[] }> = {
  none: {
    why: "the word in messages ('faults: none'), qemu's -display/-monitor none, a forced-completion reason, a pattern match's confidence",
    files: ['agents/agent/state.ts', 'agents/verbs/fake.ts', 'agents/verbs/native.ts', 'harness/cluster/docker/exec.ts', 'harness/cluster/local/qemu.ts', 'harness/run/progress.ts', 'harness/core/patterns.ts', 'harness/core/store/results.ts', 'harness/analysis/patterns.ts', 'workloads/register/patterns.ts', 'reports/html/index.ts', 'reports/html/sections.ts'],
  },
  counter: { why: 'a linearizability model of the checkers, named in their model registry', files: ['harness/checkers/models/'] },
  register: { why: 'a linearizability model of the checkers, named in their model registry', files: ['harness/checkers/models/'] },
  'cas-register': { why: 'a linearizability model of the checkers, named in their model registry', files: ['harness/checkers/models/'] },
};

/** product code: tests, their support and benchmarks are wiring and may name what they exercise */
function sources(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)) && !/\.test\.ts$|\/test-support\/|\/bench\//.test(f));
}

function literals(file: string): { text: string; line: number }[] {
  const src = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const out: { text: string; line: number }[] = [];
  const visit = (n: ts.Node): void => {
    const isModuleSpecifier = n.parent !== undefined && (ts.isImportDeclaration(n.parent) || ts.isExportDeclaration(n.parent));
    if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && !isModuleSpecifier) out.push({ text: n.text, line: src.getLineAndCharacterOfPosition(n.getStart()).line + 1 });
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

export function misplacedNames(files: readonly string[], read: (f: string) => { text: string; line: number }[] = literals): string[] {
  const owner = new Map<string, { kind: string; folder: string; registry: string }>();
  for (const p of PLUGINS) for (const n of p.names) owner.set(n, { kind: p.kind, folder: p.folder(n), registry: p.registry });
  const out: string[] = [];
  for (const f of files) {
    for (const l of read(f)) {
      const o = owner.get(l.text);
      if (!o || f.startsWith(o.folder) || f === o.registry) continue;
      if (HOMONYMS[l.text]?.files.some((h) => (h.endsWith('/') ? f.startsWith(h) : f === h))) continue;
      out.push(`${f}:${l.line}: the ${o.kind} name '${l.text}' outside ${o.folder} and ${o.registry}`);
    }
  }
  return out;
}

test('no workload, fault or policy name appears as a string outside its package and its registry', () => {
  expect(misplacedNames(sources())).toEqual([]);
});

test('the check finds a planted name (the run switching on a workload) and lets a package name itself', () => {
  const planted = (f: string) => (f === 'harness/run/workers.ts' ? [{ text: WORKLOAD_NAMES[0]!, line: 9 }] : f === `workloads/${WORKLOAD_NAMES[0]}/index.ts` ? [{ text: WORKLOAD_NAMES[0]!, line: 3 }] : []);
  expect(misplacedNames(['harness/run/workers.ts', `workloads/${WORKLOAD_NAMES[0]}/index.ts`], planted)).toEqual([`harness/run/workers.ts:9: the workload name '${WORKLOAD_NAMES[0]}' outside workloads/${WORKLOAD_NAMES[0]}/ and workloads/index.ts`]);
  const kind = FAULT_KINDS[0]!;
  expect(misplacedNames(['harness/health/explain.ts'], () => [{ text: kind, line: 1 }])).toHaveLength(1);
  expect(misplacedNames(['reports/html/sections.ts'], () => [{ text: POLICY_NAMES.find((n) => !HOMONYMS[n])!, line: 1 }])).toHaveLength(1);
});

test('every homonym file still has the word (a stale entry would hide a real use)', () => {
  for (const [word, h] of Object.entries(HOMONYMS)) {
    for (const entry of h.files) {
      const files = entry.endsWith('/') ? sources().filter((f) => f.startsWith(entry)) : [entry];
      expect([entry, files.some((f) => literals(f).some((l) => l.text === word))]).toEqual([entry, true]);
    }
  }
});
