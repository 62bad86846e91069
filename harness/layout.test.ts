// The layout rules the floor plan keeps that are about files, not imports (those are
// dependency-cruiser's, in floors.test.ts): no source file over 400 lines, and every folder of
// modules has one index.ts as its public face.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const MAX_LINES = 400;
const SOURCE = /\.(ts|cc|h|js|mjs|cjs|py|sh)$/;
const FOLDERS = ['harness', 'agents', 'faults', 'workloads', 'reports', 'bin', '.ci'];

/** tracked and new files, as a fresh clone would have them (no node_modules, no build output) */
function files(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...FOLDERS], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\n').filter((f) => f !== '' && fs.existsSync(path.join(ROOT, f)));
}

const lineCount = (f: string): number => fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').length - 1;

test(`no source file is over ${MAX_LINES} lines`, () => {
  const sources = files().filter((f) => SOURCE.test(f));
  expect(sources.length).toBeGreaterThan(100);
  const long = sources.map((f) => [f, lineCount(f)] as const).filter(([, n]) => n > MAX_LINES);
  expect(long.map(([f, n]) => `${f}: ${n} lines`)).toEqual([]);
});

// A bench folder holds programs that `npm run bench:*` starts, never modules anyone imports
// (the floors rules forbid that), so there is no public face to give it.
const PROGRAM_FOLDER = /(^|\/)bench$/;

test('every folder of modules has an index.ts', () => {
  const dirs = new Set(files().filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts')).map((f) => path.dirname(f)));
  expect(dirs.size).toBeGreaterThan(20);
  const missing = [...dirs].filter((d) => !PROGRAM_FOLDER.test(d) && !fs.existsSync(path.join(ROOT, d, 'index.ts')));
  expect(missing.sort()).toEqual([]);
});
