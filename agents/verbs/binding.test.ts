// The loader: every failed location in one actionable message, and the fake only on request.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

test('a missing binding lists every attempt and says how to build it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rc-bind-'));
  const broken = path.join(dir, 'rdma_verbs.node');
  writeFileSync(broken, 'not an ELF file');
  jest.isolateModules(() => {
    delete process.env.RDMA_BINDING;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadBinding } = require('./binding') as typeof import('./binding');
    let err: unknown;
    try {
      loadBinding([path.join(dir, 'absent.node'), broken]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'verbs.bindingMissing', exitCode: 254 });
    const msg = (err as Error).message;
    expect(msg).toContain(`${path.join(dir, 'absent.node')}: not found`);
    expect(msg).toContain(`${broken}: `);
    expect(msg).toContain('npm run build:native');
    expect(msg).toContain('libibverbs-dev');
    expect(msg.split('\n')).toHaveLength(1);
  });
  rmSync(dir, { recursive: true, force: true });
});

test('RDMA_BINDING=fake is the only way to get the fake', () => {
  jest.isolateModules(() => {
    process.env.RDMA_BINDING = 'fake';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadBinding, bindingSource } = require('./binding') as typeof import('./binding');
    loadBinding();
    expect(bindingSource()).toBe('fake');
    delete process.env.RDMA_BINDING;
  });
});
