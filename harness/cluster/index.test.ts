// The driver factory: spec parsing and what each kind says when its target is missing.
import * as os from 'node:os';
import * as path from 'node:path';
import { openDriver, parseDriverSpec } from './index';

test('specs parse to their kind', () => {
  expect(parseDriverSpec('local')).toEqual({ kind: 'local' });
  expect(parseDriverSpec('ssh:lab/inventory.yaml')).toEqual({ kind: 'ssh', inventory: 'lab/inventory.yaml' });
  expect(parseDriverSpec('docker:/run/docker.sock')).toEqual({ kind: 'docker', host: '/run/docker.sock' });
  expect(parseDriverSpec('docker:tcp://10.0.0.5:2375')).toEqual({ kind: 'docker', host: 'tcp://10.0.0.5:2375' });
});

test.each(['', 'qemu', 'ssh:', 'docker', 'SSH:x.yaml'])('"%s" is not a driver (254)', (spec) => {
  expect(() => parseDriverSpec(spec)).toThrow(expect.objectContaining({ code: 'cluster.badDriver', exitCode: 254 }));
});

test('ssh with a missing inventory names the file', async () => {
  const f = path.join(os.tmpdir(), 'rc-no-such-inventory.yaml');
  await expect(openDriver(`ssh:${f}`)).rejects.toMatchObject({ code: 'cluster.inventory', message: expect.stringContaining(f) });
});

test('docker with no daemon behind the socket is unreachable', async () => {
  await expect(openDriver(`docker:${path.join(os.tmpdir(), 'rc-no-such-docker.sock')}`)).rejects.toMatchObject({
    code: 'cluster.unreachable',
    exitCode: 254,
  });
});
