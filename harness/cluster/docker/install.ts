// What the docker driver needs on the machine that runs its Docker host and builds its image.
// `rdma-chaos setup` calls ensureDockerPackages(); `setup --check` lists dockerPackagesMissing().
import { InputError } from '../../errors';
import { checkPackages, installPackages, type HostPackage, type InstallOptions } from '../../setup/packages';

export const DOCKER_PACKAGES: readonly HostPackage[] = [
  { name: 'docker.io', why: 'dockerd for the docker driver (its tests start a private one)' },
  { name: 'debootstrap', why: 'builds the rdma-chaos/node image rootfs (no registry is reachable)' },
];

export async function dockerPackagesMissing(): Promise<HostPackage[]> {
  return (await checkPackages(DOCKER_PACKAGES)).filter((p) => !p.installed);
}

/** Installs what is missing (idempotent); returns the names it installed. */
export async function ensureDockerPackages(opts: InstallOptions = {}): Promise<string[]> {
  const missing = (await dockerPackagesMissing()).map((p) => p.name);
  if (missing.length === 0) return [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InputError('setup.notRoot', `installing ${missing.join(' ')} needs root (sudo rdma-chaos setup)`);
  }
  await installPackages(missing, opts);
  return missing;
}
