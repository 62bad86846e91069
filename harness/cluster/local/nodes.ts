// The nodes of a local cluster as records (names, ports, paths, rails) and as qemu specs:
// shared by `cluster up` and the boot benchmark, so both boot exactly the same VMs.
import * as path from 'node:path';
import { projectRoot } from '../../setup';
import { railAddress, type UpConfig } from './config';
import { macFor, type Accel, type QemuNodeSpec } from './qemu';
import type { FabricRecord, NodeRecord } from './state';

export function nodeRecords(cfg: UpConfig): NodeRecord[] {
  const out: NodeRecord[] = [];
  for (let i = 1; i <= cfg.nodes; i++) {
    const name = `node${i}`;
    const dir = path.join(cfg.stateDir, name);
    out.push({
      name,
      index: i,
      sshPort: cfg.sshPortBase + i,
      dir,
      consoleLog: path.join(dir, 'console.log'),
      qemuLog: path.join(dir, 'qemu.log'),
      monitorSock: path.join(dir, 'mon.sock'),
      serialSock: path.join(dir, 'serial.sock'),
      rails: Array.from({ length: cfg.rails }, (_, k) => ({
        index: k,
        netdev: `data${k}`,
        address: railAddress(k, i),
        mac: macFor(i, k),
        rdmaDevice: `rxe${k}`,
      })),
    });
  }
  return out;
}

export function baseSpec(cfg: UpConfig, sharedDir: string): Omit<QemuNodeSpec, 'accel' | 'name' | 'index' | 'rails' | 'railNetdevs' | 'consoleLog' | 'qemuLog'> {
  return {
    binary: cfg.qemuBinary,
    memoryMb: cfg.memoryMb,
    kernel: cfg.kernel.vmlinux,
    initrd: cfg.cache.initramfs,
    modulesDir: cfg.kernel.modulesDir,
    sharedDir,
    projectDir: projectRoot(),
    extraKernelArgs: cfg.extraKernelArgs,
  };
}

export function nodeSpec(cfg: UpConfig, n: NodeRecord, fabrics: FabricRecord[], accel: Accel, sharedDir: string): QemuNodeSpec {
  return {
    ...baseSpec(cfg, sharedDir),
    accel,
    name: n.name,
    index: n.index,
    sshPort: n.sshPort,
    rails: n.rails,
    railNetdevs: n.rails.map((r) => {
      const f = fabrics.find((x) => x.rail === r.index);
      if (!f) throw new Error(`no fabric for rail ${r.index}`);
      return cfg.fabric.netdev(f, n.index);
    }),
    consoleLog: n.consoleLog,
    qemuLog: n.qemuLog,
    monitorSock: n.monitorSock,
    serialSock: n.serialSock,
  };
}
