// The qemu command line of a node: forwarded SSH only on loopback, one NIC per rail on its
// fabric with the MAC the guest names it by, console appended to a file, monitor socket, and
// qemu's comma escaping for paths.
import { macFor, qemuArgv, type QemuNodeSpec } from './qemu';
import { parsePortStates } from './probe';

const spec: QemuNodeSpec = {
  binary: 'qemu-system-x86_64',
  accel: 'tcg',
  memoryMb: 512,
  name: 'node2',
  index: 2,
  kernel: '/cache/vmlinux',
  initrd: '/cache/initramfs.cpio',
  modulesDir: '/cache/mods',
  sshPort: 22102,
  rails: [0, 1].map((k) => ({ index: k, netdev: `data${k}`, address: `10.${77 + k}.0.2/24`, mac: macFor(2, k), rdmaDevice: `rxe${k}` })),
  railNetdevs: ['vde,sock=/s/rail0.sw', 'vde,sock=/s/rail1.sw'],
  consoleLog: '/s/node2/console.log',
  qemuLog: '/s/node2/qemu.log',
  monitorSock: '/s/node2/mon.sock',
  sharedDir: '/s/a,b',
};

const after = (argv: string[], flag: string): string[] => argv.flatMap((a, i) => (argv[i - 1] === flag ? [a] : []));

describe('qemuArgv', () => {
  const argv = qemuArgv(spec);

  it('forwards SSH from loopback only, with restrict=on (no outbound from the guest)', () => {
    expect(after(argv, '-netdev')[0]).toBe('user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:22102-:22');
  });

  it('puts each rail on its fabric with the MAC scheme the guest init names data0/data1 by', () => {
    expect(after(argv, '-netdev').slice(1)).toEqual(['vde,sock=/s/rail0.sw,id=d0', 'vde,sock=/s/rail1.sw,id=d1']);
    expect(after(argv, '-device').filter((d) => d.includes('netdev=d'))).toEqual([
      'virtio-net-pci,netdev=d0,mac=52:54:00:00:00:02',
      'virtio-net-pci,netdev=d1,mac=52:54:00:01:00:02',
    ]);
    expect(macFor(2, 'mgmt')).toBe('52:54:00:ff:00:02');
    expect(after(argv, '-append')[0]).toContain('rdmachaos.name=node2 rdmachaos.ip0=10.77.0.2/24 rdmachaos.ip1=10.78.0.2/24');
  });

  it('appends the console to a file, keeps a monitor socket, escapes commas, never reboots', () => {
    expect(after(argv, '-chardev')[0]).toBe('file,id=con,path=/s/node2/console.log,append=on');
    expect(after(argv, '-monitor')).toEqual(['unix:/s/node2/mon.sock,server=on,wait=off']);
    expect(after(argv, '-fsdev').find((f) => f.includes('id=fs_shared'))).toBe('local,id=fs_shared,path=/s/a,,b,security_model=none');
    expect(argv).toContain('-no-reboot');
  });

  it('uses KVM with the host CPU, or multi-threaded TCG with -cpu max', () => {
    expect(after(qemuArgv({ ...spec, accel: 'kvm' }), '-accel')).toEqual(['kvm']);
    expect(after(argv, '-accel')).toEqual(['tcg,thread=multi,tb-size=64']);
    expect(after(argv, '-cpu')).toEqual(['max']);
  });
});

describe('parsePortStates', () => {
  it('reads grep -H output of the port state files', () => {
    const out = '/sys/class/infiniband/rxe0/ports/1/state:4: ACTIVE\n/sys/class/infiniband/rxe1/ports/1/state:1: DOWN\n';
    expect(parsePortStates(out)).toEqual({ rxe0: 'ACTIVE', rxe1: 'DOWN' });
  });
});
