// The agent's arguments: the forms the controller and the guardian pass, and the bad values
// that once became a NaN lease.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AgentArgsError, LEASE_MS, parseAgentArgs } from './args';

test('the forms the controller and the guardian use', () => {
  expect(parseAgentArgs([])).toEqual({ leaseMs: LEASE_MS.default, noGuardian: false, guardian: undefined, stateDir: undefined });
  expect(parseAgentArgs(['--lease-ms', '4000'])).toMatchObject({ leaseMs: 4000 });
  expect(parseAgentArgs(['--lease-ms=250', '--state-dir', '/tmp/x', '--no-guardian'])).toMatchObject({ leaseMs: 250, stateDir: '/tmp/x', noGuardian: true });
  expect(parseAgentArgs(['--guardian', '/tmp/f.json', '--lease-ms', '10000'])).toMatchObject({ guardian: '/tmp/f.json', leaseMs: 10000 });
});

test.each([
  [['--lease-ms', 'x'], /--lease-ms: expected whole milliseconds .* got "x"/],
  [['--lease-ms', '1e4'], /got "1e4"/],
  [['--lease-ms', '-5'], /--lease-ms/],
  [['--lease-ms', '12.5'], /got "12.5"/],
  [['--lease-ms', '0'], /got "0"/],
  [['--lease-ms', '99999999'], /got "99999999"/],
  [['--lease-ms'], /argument missing/],
  [['--lease'], /Unknown option '--lease'/],
  [['stray'], /Unexpected argument 'stray'/],
  [['--state-dir', ''], /--state-dir: expected a path/],
])('%j is refused', (argv, message) => {
  expect(() => parseAgentArgs(argv)).toThrow(AgentArgsError);
  expect(() => parseAgentArgs(argv)).toThrow(message);
});

test('the agent process itself refuses them with one line and exit 254, before it starts', () => {
  const ts = path.join(__dirname, '..', '..', 'harness', 'cluster', 'test-support', 'ts-register.js');
  const r = spawnSync(process.execPath, ['-r', ts, path.join(__dirname, 'main.ts'), '--lease-ms', 'x'], { encoding: 'utf8', input: '' });
  expect(r.status).toBe(254);
  expect(r.stderr.trim().split('\n')).toEqual(['rdma-chaos-agent: --lease-ms: expected whole milliseconds from 100 to 3600000, got "x"']);
  expect(r.stdout).toBe('');
});
