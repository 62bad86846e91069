// The agent's declarative fault hook (chaos-mesh's SetTcs): the agent holds the complete desired
// fault set and re-applies it whole on every change: clear everything it may have installed,
// then install the desired set. Heal is the empty set; both are idempotent. The set is also
// persisted, so the lease guardian can heal it after the agent itself died.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { ChaosError, ExitCode, InputError } from '../../harness/core';
import type { FaultObservation, FaultRules, NftCount } from '../../harness/core';
import writeFileAtomic from 'write-file-atomic';

export const NFT_TABLE_PREFIX = 'rdma_chaos';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}
export type Runner = (argv: readonly string[], stdin?: string) => Promise<RunResult>;

/** Runs an argument array (no shell), with a time limit so a hung tool cannot hold a heal. */
export const runCommand: Runner = (argv, stdin) =>
  new Promise((resolve) => {
    let out = '';
    let err = '';
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: out, stderr: e.message });
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out, stderr: err });
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(stdin ?? '');
  });

/** `table <family> <name>` declarations of an nft ruleset */
export function nftTables(ruleset: string): Array<{ family: string; name: string }> {
  const out: Array<{ family: string; name: string }> = [];
  for (const m of ruleset.matchAll(/^\s*(?:add\s+)?table\s+(\w+)\s+([\w.-]+)/gm)) out.push({ family: m[1]!, name: m[2]! });
  return out;
}

export function checkFaultRules(specs: readonly FaultRules[]): void {
  const ids = new Set<string>();
  for (const f of specs) {
    if (ids.has(f.id)) throw new InputError('fault.duplicateId', `fault id ${f.id} appears twice in the desired set`);
    ids.add(f.id);
    if (f.nft !== undefined) {
      const tables = nftTables(f.nft);
      if (tables.length === 0) throw new InputError('fault.badNft', `fault ${f.id}: the nft ruleset declares no table`);
      for (const t of tables) {
        // only tables we own can be swept on heal without touching the node's own rules
        if (!t.name.startsWith(NFT_TABLE_PREFIX)) {
          throw new InputError('fault.badNft', `fault ${f.id}: nft table ${t.name} must be named ${NFT_TABLE_PREFIX}*`);
        }
      }
    }
  }
}

/** Remove everything `specs` may have installed. Returns the problems; never throws. */
export async function clearFaults(specs: readonly FaultRules[], run: Runner): Promise<string[]> {
  const problems: string[] = [];
  for (const f of specs) {
    for (const argv of f.clear ?? []) {
      // "nothing to delete" is success for a clear: failures are only worth a note
      const r = await run(argv);
      if (r.code === null) problems.push(`${f.id}: ${argv[0]}: ${r.stderr.trim()}`);
    }
  }
  if (specs.some((f) => f.nft !== undefined)) {
    const list = await run(['nft', 'list', 'tables']);
    if (list.code !== 0) {
      problems.push(`nft list tables: ${list.stderr.trim()}`);
    } else {
      for (const t of nftTables(list.stdout)) {
        if (!t.name.startsWith(NFT_TABLE_PREFIX)) continue;
        const r = await run(['nft', 'delete', 'table', t.family, t.name]);
        if (r.code !== 0) problems.push(`nft delete table ${t.family} ${t.name}: ${r.stderr.trim()}`);
      }
    }
  }
  return problems;
}

async function installFaults(specs: readonly FaultRules[], run: Runner): Promise<void> {
  const nft = specs.filter((f) => f.nft !== undefined).map((f) => f.nft!).join('\n');
  if (nft) {
    // one transaction for the whole ruleset
    const r = await run(['nft', '-f', '-'], nft);
    if (r.code !== 0) throw new ChaosError('fault.applyFailed', `nft -f: ${r.stderr.trim() || `exit ${r.code}`}`, ExitCode.badInput);
  }
  for (const f of specs) {
    for (const argv of f.apply ?? []) {
      const r = await run(argv);
      if (r.code !== 0) {
        throw new ChaosError('fault.applyFailed', `fault ${f.id}: ${argv.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`, ExitCode.badInput);
      }
    }
  }
}

export function discardFaultState(file: string): void {
  rmSync(file, { force: true });
}

export function readFaultState(file: string): FaultRules[] {
  if (!existsSync(file)) return [];
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { faults?: FaultRules[] };
    return Array.isArray(v.faults) ? v.faults : [];
  } catch {
    return [];
  }
}

function writeFaultState(file: string, faults: readonly FaultRules[]): void {
  writeFileAtomic.sync(file, JSON.stringify({ faults }));
}

/** one rule's counter in `nft -j list ruleset`, by table and comment */
export function nftCounters(json: string): Array<{ table: string; comment: string; count: NftCount }> {
  const out: Array<{ table: string; comment: string; count: NftCount }> = [];
  let doc: { nftables?: Array<{ rule?: { table?: string; comment?: string; expr?: Array<{ counter?: { packets?: number; bytes?: number } }> } }> };
  try {
    doc = JSON.parse(json) as typeof doc;
  } catch {
    return out;
  }
  for (const item of doc.nftables ?? []) {
    const r = item.rule;
    const c = r?.expr?.find((e) => e.counter)?.counter;
    if (!r?.table || !c) continue;
    out.push({ table: r.table, comment: r.comment ?? '', count: { packets: c.packets ?? 0, bytes: c.bytes ?? 0 } });
  }
  return out;
}

/** up to 4 KB of a reading: stdout, or `!` and why it failed */
function readingOf(r: RunResult): string {
  const s = r.code === 0 ? r.stdout.trim() : `!${r.code === null ? 'did not run' : `exit ${r.code}`}: ${r.stderr.trim()}`;
  return s.length > 4096 ? s.slice(0, 4096) : s;
}

export class FaultManager {
  private current: FaultRules[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  /** what was seen of each fault of this agent's life, by id */
  private readonly seen = new Map<string, { nft: Record<string, NftCount>; readings: Record<string, string> }>();

  constructor(
    private readonly stateFile: string,
    private readonly run: Runner = runCommand,
  ) {}

  get active(): string[] {
    return this.current.map((f) => f.id);
  }

  /** the observations of these faults (those not seen yet are left out) */
  observed(ids: readonly string[]): Record<string, FaultObservation> {
    const out: Record<string, FaultObservation> = {};
    for (const id of ids) {
      const s = this.seen.get(id);
      if (!s) continue;
      out[id] = { ...(Object.keys(s.nft).length ? { nft: { ...s.nft } } : {}), ...(Object.keys(s.readings).length ? { readings: { ...s.readings } } : {}) };
    }
    return out;
  }

  /** Before the installed set is cleared: add its nft counters to the sums, and take the readings of those leaving. */
  private async observeBeforeClear(leaving: ReadonlySet<string>): Promise<void> {
    if (this.current.some((f) => f.nft !== undefined)) {
      const r = await this.run(['nft', '-j', 'list', 'ruleset']);
      const tables = new Map<string, string>();
      for (const f of this.current) for (const t of nftTables(f.nft ?? '')) tables.set(t.name, f.id);
      if (r.code === 0) {
        for (const c of nftCounters(r.stdout)) {
          const id = tables.get(c.table);
          const s = id === undefined ? undefined : this.seen.get(id);
          if (!s) continue;
          const key = c.comment || 'rule';
          const prev = s.nft[key] ?? { packets: 0, bytes: 0 };
          s.nft[key] = { packets: prev.packets + c.count.packets, bytes: prev.bytes + c.count.bytes };
        }
      }
    }
    await this.takeReadings(this.current.filter((f) => leaving.has(f.id)), 'healing');
  }

  private async takeReadings(specs: readonly FaultRules[], at: 'applied' | 'healing'): Promise<void> {
    for (const f of specs) {
      const s = this.seen.get(f.id);
      if (!s) continue;
      for (const [name, argv] of Object.entries(f.readings ?? {})) s.readings[`${name}@${at}`] = readingOf(await this.run(argv));
    }
  }

  /** Re-apply the whole desired set. Calls are serialised. */
  set(desired: readonly FaultRules[]): Promise<{ active: string[]; effectiveNs: bigint; tookMs: number; observed: Record<string, FaultObservation> }> {
    checkFaultRules(desired);
    const next = this.chain.then(() => this.doSet(desired));
    this.chain = next.catch(() => undefined);
    return next;
  }

  heal(): Promise<{ active: string[]; effectiveNs: bigint; tookMs: number; observed: Record<string, FaultObservation> }> {
    return this.set([]);
  }

  /** forget the state file (after a final heal): nothing is installed any more */
  discard(): void {
    rmSync(this.stateFile, { force: true });
  }

  private async doSet(desired: readonly FaultRules[]) {
    const t0 = process.hrtime.bigint();
    // persist the union first: if we die mid-way the guardian still clears everything
    const added = desired.filter((d) => !this.current.some((c) => c.id === d.id));
    const union = [...this.current, ...added];
    writeFaultState(this.stateFile, union);
    // evidence is read before the clear: clearing drops the tables and their counters
    await this.observeBeforeClear(new Set(this.current.filter((c) => !desired.some((d) => d.id === c.id)).map((c) => c.id)));
    await clearFaults(union, this.run);
    this.current = [];
    for (const f of added) this.seen.set(f.id, { nft: {}, readings: {} });
    try {
      await installFaults(desired, this.run);
    } catch (e) {
      await clearFaults(desired, this.run);
      writeFaultState(this.stateFile, []);
      throw e;
    }
    this.current = [...desired];
    writeFaultState(this.stateFile, this.current);
    const t1 = process.hrtime.bigint();
    await this.takeReadings(added, 'applied');
    // the faults this change touched: those left in place, those added, those healed
    return { active: this.active, effectiveNs: t1, tookMs: Number(t1 - t0) / 1e6, observed: this.observed(union.map((f) => f.id)) };
  }
}
