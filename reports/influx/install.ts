// What the InfluxDB export and its tests need on the machine: Debian's influxdb 1.x (the
// `influx` npm client speaks its 1.x API; the v2 clients do not). `rdma-chaos setup` should
// call ensureInfluxPackages(); `setup --check` can list influxPackagesMissing().
import { InputError } from '../../harness/errors';
import { checkPackages, installPackages, type HostPackage, type InstallOptions } from '../../harness/setup/packages';

export const INFLUX_PACKAGES: readonly HostPackage[] = [
  { name: 'influxdb', why: 'influxd 1.x for the --influx metrics tests (a private one per test, on loopback)' },
  { name: 'influxdb-client', why: 'the influx shell, to look at exported metrics by hand' },
];

export async function influxPackagesMissing(): Promise<HostPackage[]> {
  return (await checkPackages(INFLUX_PACKAGES)).filter((p) => !p.installed);
}

/** Installs what is missing (idempotent); returns the names it installed. */
export async function ensureInfluxPackages(opts: InstallOptions = {}): Promise<string[]> {
  const missing = (await influxPackagesMissing()).map((p) => p.name);
  if (missing.length === 0) return [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InputError('setup.notRoot', `installing ${missing.join(' ')} needs root (sudo rdma-chaos setup)`);
  }
  await installPackages(missing, opts);
  return missing;
}
