// The host's apt packages. The guests have no root filesystem of their own: they see the host's
// /usr read-only over 9p, so every tool a node runs (sshd, rdma, perftest, nft, node) is
// installed here, on the host.
import { InputError } from '../core';
import { run } from './run';

export interface HostPackage {
  name: string;
  why: string;
}

export const HOST_PACKAGES: readonly HostPackage[] = [
  { name: 'qemu-system-x86', why: 'runs the node VMs' },
  { name: 'vde2', why: 'vde_switch, the vde data fabric' },
  { name: 'busybox-static', why: 'the guest initramfs' },
  { name: 'kmod', why: 'depmod for the kernel cache, modprobe in the guests' },
  { name: 'xz-utils', why: 'unpacks the guest kernel image' },
  { name: 'iproute2', why: 'ip, tc and rdma in the guests; the bridge fabric\'s netns, bridges and taps on the host' },
  { name: 'util-linux', why: 'nsenter: the bridge fabric opens each tap inside its netns' },
  { name: 'python3', why: 'the bridge fabric\'s qemu network helper (hands qemu its tap)' },
  { name: 'rdma-core', why: 'RDMA userspace in the guests' },
  { name: 'ibverbs-utils', why: 'ibv_devinfo in the guests' },
  { name: 'ibverbs-providers', why: 'librxe, the SoftRoCE verbs provider' },
  { name: 'libibverbs-dev', why: 'builds the verbs agent' },
  { name: 'perftest', why: 'ib_atomic_bw and friends in the guests' },
  { name: 'rdmacm-utils', why: 'rdma_cm tools in the guests' },
  { name: 'openssh-server', why: 'sshd (and sftp-server) in the guests' },
  { name: 'nftables', why: 'packet faults in the guests' },
  { name: 'socat', why: 'attach to a node serial console or qemu monitor by hand' },
  // the other drivers and outputs, and their tests (the README's commands install everything)
  { name: 'docker.io', why: 'dockerd for the docker driver (its tests start a private one)' },
  { name: 'debootstrap', why: 'builds the rdma-chaos/node image rootfs for docker (no registry is reachable)' },
  { name: 'influxdb', why: 'influxd 1.x for --influx (its tests start a private one on loopback)' },
  { name: 'influxdb-client', why: 'the influx shell, to look at exported metrics by hand' },
  { name: 'chromium', why: 'headless Chromium for the report tests and bench:report (no browser download)' },
  { name: 'libxml2-utils', why: 'xmllint, the independent check of the JUnit output against the JUnit XSD' },
];

export interface PackageStatus {
  name: string;
  why: string;
  installed: boolean;
}

export async function checkPackages(pkgs: readonly HostPackage[] = HOST_PACKAGES): Promise<PackageStatus[]> {
  // One dpkg-query for all: unknown packages are simply absent from its output.
  const r = await run(['dpkg-query', '-W', '-f=${Package} ${db:Status-Status}\\n', ...pkgs.map((p) => p.name)]).catch(
    () => ({ code: null, stdout: '', stderr: '' }),
  );
  const installed = new Set(
    r.stdout
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter((f) => f[1] === 'installed')
      .map((f) => f[0]),
  );
  return pkgs.map((p) => ({ ...p, installed: installed.has(p.name) }));
}

export interface InstallOptions {
  onOutput?: (s: string) => void;
}

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

/** Install what is missing. `apt-get update` runs only when apt does not know a package. */
export async function installPackages(names: readonly string[], opts: InstallOptions = {}): Promise<void> {
  if (names.length === 0) return;
  const install = (): ReturnType<typeof run> =>
    run(['apt-get', 'install', '-y', '--no-install-recommends', ...names], { env: APT_ENV, onOutput: opts.onOutput });
  let r = await install();
  if (r.code !== 0 && /Unable to locate package|has no installation candidate|Failed to fetch|404/.test(r.stderr + r.stdout)) {
    await aptUpdate(opts);
    r = await install();
  }
  if (r.code !== 0) {
    const last = lastLine(r.stderr) || lastLine(r.stdout);
    throw new InputError('setup.aptFailed', `apt-get install ${names.join(' ')} failed: ${last}`);
  }
}

export async function aptUpdate(opts: InstallOptions = {}): Promise<void> {
  const r = await run(['apt-get', 'update'], { env: APT_ENV, onOutput: opts.onOutput });
  if (r.code !== 0) {
    throw new InputError('setup.aptFailed', `apt-get update failed: ${lastLine(r.stderr) || lastLine(r.stdout)}`);
  }
}

export function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
