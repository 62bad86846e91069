// Which mirror debootstrap uses: the one apt already uses for bookworm main (the only one
// reachable on these machines), from one-line or deb822 sources.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aptMirror } from './image';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-apt-'));
  fs.mkdirSync(path.join(root, 'sources.list.d'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('deb822: skips other suites and repositories, takes bookworm main', () => {
  fs.writeFileSync(
    path.join(root, 'sources.list.d', 'debian.sources'),
    'Types: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\nComponents: main\n\n' +
      'Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main contrib\n',
  );
  fs.writeFileSync(path.join(root, 'sources.list.d', 'a-other.list'), 'deb https://other.example/apt stable main\n');
  expect(aptMirror(root)).toBe('http://mirror.example/debian');
});

test('one-line format with options; sources.list comes first', () => {
  fs.writeFileSync(path.join(root, 'sources.list'), '# deb http://old.example/debian bookworm main\ndeb [arch=amd64] http://one.example/debian bookworm main\n');
  expect(aptMirror(root)).toBe('http://one.example/debian');
});

test('no bookworm mirror is bad input naming where it looked', () => {
  expect(() => aptMirror(root)).toThrow(expect.objectContaining({ code: 'cluster.noMirror', exitCode: 254 }));
});
