// KVM or TCG. `auto` boots one probe VM under KVM with a short watchdog and falls back to TCG:
// some hosts expose a /dev/kvm that cannot run a stock kernel (PVM here: `-cpu host` aborts
// on an MSR, other CPU models hang in the firmware). The verdict is cached per host kernel,
// qemu binary and guest kernel, so only the first `cluster up` pays for the probe.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../core';
import { waitForLine } from './console';
import { killOwned, isAlive } from './procs';
import { READY_MARK, startQemu, type Accel, type QemuNodeSpec } from './qemu';

export type AccelMode = 'auto' | Accel;

/** A KVM guest reaches READY in 1-3 s; this is generous and still short. */
export const KVM_PROBE_WATCHDOG_MS = 12_000;
/** ... and prints its first kernel line well within a second: silence means a hang in firmware. */
export const KVM_PROBE_FIRST_LINE_MS = 4_000;

export function kvmUsable(): boolean {
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

interface ProbeCache {
  key: string;
  accel: Accel;
  detail: string;
}

export interface ProbeContext {
  cacheFile: string;
  /** a spec for a minimal VM (no rails, no ssh) in the state dir */
  spec: Omit<QemuNodeSpec, 'accel'>;
  marker: string;
  /** record the probe's process at once, so a killed controller leaves nothing unknown */
  record: (p: import('./procs').OwnedProc | undefined) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

function probeKey(spec: Omit<QemuNodeSpec, 'accel'>): string {
  let qemuStamp = spec.binary;
  try {
    const st = fs.statSync(spec.binary);
    qemuStamp += `:${st.size}:${st.mtimeMs}`;
  } catch {
    /* resolved through PATH: the name will do */
  }
  return `${os.release()}|${qemuStamp}|${path.basename(spec.kernel)}`;
}

export async function resolveAccel(mode: AccelMode, ctx: ProbeContext): Promise<{ accel: Accel; detail: string }> {
  if (mode === 'tcg') return { accel: 'tcg', detail: 'TCG (asked for)' };
  if (mode === 'kvm') {
    if (!kvmUsable()) throw new InputError('cluster.noKvm', '--accel kvm: /dev/kvm is missing or not accessible; use --accel auto or tcg');
    return { accel: 'kvm', detail: 'KVM (asked for)' };
  }
  if (!kvmUsable()) return { accel: 'tcg', detail: 'TCG (no usable /dev/kvm)' };
  const key = probeKey(ctx.spec);
  try {
    const c = JSON.parse(fs.readFileSync(ctx.cacheFile, 'utf8')) as ProbeCache;
    if (c.key === key && (c.accel === 'kvm' || c.accel === 'tcg')) return { accel: c.accel, detail: `${c.detail} (cached probe)` };
  } catch {
    /* no cached verdict */
  }
  ctx.log?.(`probing KVM (watchdog ${KVM_PROBE_FIRST_LINE_MS / 1000} s to the first kernel line, ${KVM_PROBE_WATCHDOG_MS / 1000} s to READY)`);
  const r = await probeKvm(ctx);
  try {
    fs.writeFileSync(ctx.cacheFile, JSON.stringify({ key, ...r }) + '\n');
  } catch {
    /* the cache is an optimisation; a read-only cache dir just means probing again */
  }
  return r;
}

async function probeKvm(ctx: ProbeContext): Promise<{ accel: Accel; detail: string }> {
  // loglevel=6 after `quiet`: the probe's kernel banner shows whether the kernel runs at all
  const spec = { ...ctx.spec, accel: 'kvm' as const, extraKernelArgs: [...(ctx.spec.extraKernelArgs ?? []), 'loglevel=6'] };
  const started = startQemu(spec, ctx.marker);
  ctx.record(started.proc);
  let exited = false;
  void started.exited.then(() => (exited = true));
  try {
    const watch = { dead: () => exited || (started.proc !== undefined && !isAlive(started.proc)), signal: ctx.signal };
    const secs = (): string => ((Date.now() - started.startedAt) / 1000).toFixed(1);
    const banner = await waitForLine(spec.consoleLog, 'Linux version', { from: 0, deadline: Date.now() + KVM_PROBE_FIRST_LINE_MS, ...watch });
    if (banner.kind === 'aborted') throw new InputError('cluster.interrupted', 'interrupted while probing KVM');
    if (banner.kind !== 'line') {
      return { accel: 'tcg', detail: `TCG (KVM probe ${banner.kind === 'dead' ? 'crashed' : `printed nothing in ${secs()} s`})` };
    }
    const r = await waitForLine(spec.consoleLog, READY_MARK, { from: banner.end, deadline: started.startedAt + KVM_PROBE_WATCHDOG_MS, ...watch });
    if (r.kind === 'aborted') throw new InputError('cluster.interrupted', 'interrupted while probing KVM');
    if (r.kind === 'line') return { accel: 'kvm', detail: `KVM (probe booted in ${secs()} s)` };
    return { accel: 'tcg', detail: `TCG (KVM probe ${r.kind === 'dead' ? 'crashed' : `not ready after ${secs()} s`})` };
  } finally {
    if (started.proc) await killOwned([started.proc], 1000);
    ctx.record(undefined);
  }
}
