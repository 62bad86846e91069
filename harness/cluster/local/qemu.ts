// One node = one qemu process. The argv is built here and nowhere else.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { InputError } from '../../core';
import { identify, type OwnedProc } from './procs';
import type { RailRecord } from './state';

export type Accel = 'kvm' | 'tcg';

export interface QemuNodeSpec {
  binary: string;
  accel: Accel;
  memoryMb: number;
  name: string;
  index: number;
  kernel: string;
  initrd: string;
  modulesDir: string;
  /** loopback port forwarded to the guest's sshd; none for a probe VM */
  sshPort?: number;
  rails: RailRecord[];
  /** qemu -netdev backend options per rail (from the fabric backend) */
  railNetdevs: string[];
  consoleLog: string;
  qemuLog: string;
  monitorSock?: string;
  serialSock?: string;
  /** read-write dir shared by all nodes, /srv/rdma-chaos in the guest */
  sharedDir: string;
  /** read-only at the same path in the guest (the repository, so nodes can run our code) */
  projectDir?: string;
  extraKernelArgs?: string[];
}

/**
 * Kernel arguments that make a TCG boot fast: quiet (every serial byte is a trap), no ACPI PCI
 * interrupt routing (its AML costs ~2.5 s), no crypto self-tests (~1.1 s), no speculation
 * mitigations (page-table isolation flushes the emulated TLB on every syscall), no KDF
 * self-test (an unconditional initcall, ~0.17 s), and trust the TSC so a loaded host does not
 * make the guest fall back to a slow clocksource.
 */
export const FAST_BOOT_ARGS = [
  'quiet', 'pci=noacpi', 'cryptomgr.notests', 'mitigations=off', 'initcall_blacklist=crypto_kdf108_init',
  'tsc=reliable', 'no_timer_check',
];

export const READY_MARK = 'RDMA-CHAOS-READY';
/** printed by the guest as soon as its sshd listens (before the rails are up) */
export const SSHD_MARK = 'RDMA-CHAOS-SSHD';

/** qboot: a minimal firmware that boots the PVH kernel faster (and with less CPU) than SeaBIOS. */
export const QBOOT = '/usr/share/qemu/qboot.rom';

/** qemu option values: a comma is escaped by doubling it. */
const q = (s: string): string => s.replace(/,/g, ',,');

export function macFor(index: number, rail: number | 'mgmt'): string {
  const hi = rail === 'mgmt' ? 'ff' : rail.toString(16).padStart(2, '0');
  return `52:54:00:${hi}:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`;
}

export function qemuArgv(s: QemuNodeSpec): string[] {
  const accel = s.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi,tb-size=64', '-cpu', 'max'];
  const append = ['console=ttyS0', 'panic=-1', ...FAST_BOOT_ARGS, `rdmachaos.name=${s.name}`];
  s.rails.forEach((r) => append.push(`rdmachaos.ip${r.index}=${r.address}`));
  if (s.projectDir && /^\/[\w./-]+$/.test(s.projectDir)) append.push(`rdmachaos.proj=${s.projectDir}`);
  append.push(...(s.extraKernelArgs ?? []));

  const argv = [
    '-name', `rc-${s.name}`,
    '-machine', 'pc',
    ...(fs.existsSync(QBOOT) ? ['-bios', QBOOT] : []),
    ...accel,
    '-smp', '1',
    '-m', String(s.memoryMb),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-kernel', s.kernel,
    '-initrd', s.initrd,
    '-append', append.join(' '),
  ];
  const shares: [string, string, boolean][] = [
    ['hostusr', '/usr', true],
    ['hostetc', '/etc', true],
    ['mods', s.modulesDir, true],
    ['shared', s.sharedDir, false],
  ];
  if (s.projectDir && append.some((a) => a.startsWith('rdmachaos.proj='))) shares.push(['proj', s.projectDir, true]);
  for (const [tag, dir, ro] of shares) {
    argv.push(
      '-fsdev', `local,id=fs_${tag},path=${q(dir)},security_model=none${ro ? ',readonly=on' : ''}`,
      '-device', `virtio-9p-pci,fsdev=fs_${tag},mount_tag=${tag}`,
    );
  }
  const fwd = s.sshPort ? `,hostfwd=tcp:127.0.0.1:${s.sshPort}-:22` : '';
  argv.push('-netdev', `user,id=mgmt,restrict=on${fwd}`, '-device', `virtio-net-pci,netdev=mgmt,mac=${macFor(s.index, 'mgmt')}`);
  s.rails.forEach((r, k) => {
    argv.push('-netdev', `${s.railNetdevs[k]},id=d${r.index}`, '-device', `virtio-net-pci,netdev=d${r.index},mac=${r.mac}`);
  });
  // ttyS0 is the console (kept for the whole life of the node: panics land there);
  // ttyS1 a root shell for debugging (socat - UNIX-CONNECT:serial.sock).
  argv.push('-chardev', `file,id=con,path=${q(s.consoleLog)},append=on`, '-serial', 'chardev:con');
  if (s.serialSock) argv.push('-chardev', `socket,id=ser1,path=${q(s.serialSock)},server=on,wait=off`, '-serial', 'chardev:ser1');
  argv.push('-monitor', s.monitorSock ? `unix:${q(s.monitorSock)},server=on,wait=off` : 'none');
  return argv;
}

/** Unix sockets have a 108-byte path limit; a long state dir must fail before anything starts. */
export function checkSocketPath(p: string): void {
  if (Buffer.byteLength(p) > 100) {
    throw new InputError('cluster.stateDirTooLong', `${p}: socket path too long (max 100 bytes); use a shorter RDMA_CHAOS_STATE`);
  }
}

export interface StartedQemu {
  proc?: OwnedProc;
  /** resolves with the exit code once the process ends (only while we are its parent) */
  exited: Promise<number | null>;
  startedAt: number;
}

export function startQemu(s: QemuNodeSpec, marker: string): StartedQemu {
  const log = fs.openSync(s.qemuLog, 'a');
  const startedAt = Date.now();
  const child = spawn(s.binary, qemuArgv(s), { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
  // the controller may exit while the VM runs on: do not keep the event loop alive for it
  child.unref();
  const proc = child.pid ? identify(child.pid, `qemu ${s.name}`, marker) : undefined;
  return { proc, exited, startedAt };
}

export function tail(file: string, lines = 3): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}
