// What the controller asks a node once sshd answers: the port state of each rxe device, with
// one process and no netlink (every process start is slow under TCG).
export function portStateArgv(devices: readonly string[]): string[] {
  return ['grep', '-H', '', ...devices.map((d) => `/sys/class/infiniband/${d}/ports/1/state`)];
}

/** `/sys/class/infiniband/rxe0/ports/1/state:4: ACTIVE` lines -> { rxe0: 'ACTIVE' } */
export function parsePortStates(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const m of out.matchAll(/^\/sys\/class\/infiniband\/([^/]+)\/ports\/1\/state:\d+:\s*(\S+)/gm)) {
    r[m[1] as string] = m[2] as string;
  }
  return r;
}
