// Module selection for the initramfs: dependencies first, built-ins skipped, a missing module
// is a clear setup error; appended signatures are cut off exactly.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveModules, stripModuleSignature } from './initramfs';

describe('resolveModules', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-mods-'));
    fs.writeFileSync(
      path.join(dir, 'modules.dep'),
      [
        'kernel/drivers/infiniband/sw/rxe/rdma_rxe.ko: kernel/drivers/infiniband/core/ib_uverbs.ko kernel/drivers/infiniband/core/ib_core.ko kernel/net/ipv4/udp_tunnel.ko',
        'kernel/drivers/infiniband/core/ib_uverbs.ko: kernel/drivers/infiniband/core/ib_core.ko',
        'kernel/drivers/infiniband/core/ib_core.ko:',
        'kernel/net/ipv4/udp_tunnel.ko:',
        'kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko',
        'kernel/net/9p/9pnet.ko:',
        'kernel/x/zipped.ko.xz:',
      ].join('\n') + '\n',
    );
    fs.writeFileSync(path.join(dir, 'modules.builtin'), 'kernel/drivers/virtio/virtio.ko\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('orders dependencies before the modules that need them, each once', () => {
    const names = resolveModules(dir, ['rdma_rxe', '9p', 'ib-core']).map((m) => m.name);
    expect(names).toEqual(['ib_core', 'ib_uverbs', 'udp_tunnel', 'rdma_rxe', '9pnet', '9p']);
    for (const n of ['ib_core', 'ib_uverbs', 'udp_tunnel']) expect(names.indexOf(n)).toBeLessThan(names.indexOf('rdma_rxe'));
  });

  it('skips built-ins, and refuses unknown or compressed modules with a setup error', () => {
    expect(resolveModules(dir, ['virtio'])).toEqual([]);
    expect(() => resolveModules(dir, ['no_such'])).toThrow(expect.objectContaining({ code: 'setup.kernelModule' }));
    expect(() => resolveModules(dir, ['zipped'])).toThrow(expect.objectContaining({ code: 'setup.kernelModule' }));
  });
});

describe('stripModuleSignature', () => {
  const magic = Buffer.from('~Module signature appended~\n');
  const sigInfo = (len: number): Buffer => {
    const b = Buffer.alloc(12);
    b.writeUInt32BE(len, 8);
    return b;
  };

  it('removes signature, info block and magic, and nothing else', () => {
    const body = Buffer.from('\x7fELF...module body...');
    const signed = Buffer.concat([body, Buffer.alloc(517, 0xab), sigInfo(517), magic]);
    expect(stripModuleSignature(signed).equals(body)).toBe(true);
  });

  it('leaves an unsigned module alone', () => {
    const body = Buffer.from('\x7fELF...no signature here...');
    expect(stripModuleSignature(body)).toBe(body);
  });
});
