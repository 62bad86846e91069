// What one campaign run of the night came to, read from its results.json (never from the exit
// code alone: a run can exit 1 because it found the violation it was meant to find).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { identify, isAlive, isChaosError, procStat, readResults, readRunOwner, RUN_FILES, type NightRun, type RunResults } from '../../core';
import { recheckRun } from '../../run';
import type { ChildEnd } from './child';

/** the night's view of a stored result */
export function fromResults(r: NightRun, res: RunResults): void {
  r.verdict = res.verdict;
  if (res.expected) r.expected = res.expected;
  else delete r.expected;
  if (res.findings.length) r.findings = [...new Set(res.findings.map((f) => `${f.kind} on ${f.node}`))];
  if (res.incomplete) r.incomplete = true;
  const met = res.expected ? res.expected.matched : res.verdict === 'valid';
  if (res.infrastructureFault || res.nodesLost) {
    r.outcome = 'infra';
    r.message = res.infrastructureFault ? `infrastructure fault: ${res.infrastructureFault.reason}` : `node lost: ${res.nodesLost!.join(', ')}`;
  } else if (res.incomplete) {
    // a violation in what was recorded is real; a clean partial history certifies nothing
    r.outcome = res.verdict === 'invalid' ? (met ? 'met' : 'not-met') : 'unknown';
    r.message = res.incompleteReason ?? 'the run did not end';
  } else if (met) r.outcome = 'met';
  else r.outcome = res.verdict === 'unknown' ? 'unknown' : 'not-met';
}

function resultsOf(store: string, r: NightRun): RunResults | undefined {
  if (r.dir === undefined) return undefined;
  const f = path.join(store, r.dir, RUN_FILES.results);
  if (!fs.existsSync(f)) return undefined;
  try {
    return readResults(f);
  } catch {
    return undefined;
  }
}

/** the run's process ended: what it left */
export function settleEnded(store: string, r: NightRun, end: ChildEnd, timeoutMs: number): void {
  r.status = 'done';
  r.endedAt = new Date().toISOString();
  r.durationMs = end.ms;
  delete r.pid;
  if (end.exitCode !== null) r.exitCode = end.exitCode;
  const res = resultsOf(store, r);
  if (res) {
    fromResults(r, res);
    const checkMs = end.dirAtMs !== undefined ? Math.max(0, end.ms - end.dirAtMs - res.durationMs) : undefined;
    r.phases = { ...(end.dirAtMs !== undefined ? { clusterMs: end.dirAtMs } : {}), workloadMs: res.durationMs, ...(checkMs !== undefined ? { checkMs } : {}) };
  }
  const said = [...end.tail].reverse().find((l) => /^rdma-chaos: /.test(l) && !/^rdma-chaos: (run directory|campaign |taking down)/.test(l));
  if (end.timedOut) {
    r.outcome = 'timed-out';
    r.message = `stopped after ${Math.round(timeoutMs / 1000)} s, over its time`;
  } else if (!res && said && /\[run\.faultUnsupported\]$/.test(said)) {
    // the campaign needs what this cluster cannot do: nothing ran, nothing is certified
    r.outcome = 'skipped';
    r.message = said.replace(/^rdma-chaos: /, '').replace(/ \[run\.faultUnsupported\]$/, '');
  } else if (!res) {
    // no results: the harness failed (or the testbed did, exit 2, before any run directory)
    r.outcome = end.exitCode === 2 ? 'infra' : 'crashed';
    r.message = `${end.signal ? `killed by ${end.signal}` : `exit ${end.exitCode ?? '?'}`}${said ? `: ${said.replace(/^rdma-chaos: /, '')}` : ''}`.slice(0, 500);
  }
}

/**
 * A run that was running when the suite's controller died: wait for its process to go (it
 * dies with the controller's pipe), then check what it recorded, as an interrupted run. A run
 * that had not created its directory yet recorded nothing: it runs again.
 */
export async function settleInterrupted(store: string, r: NightRun, checkTimeoutMs: number, log: (l: string) => void): Promise<void> {
  // killed between the run creating its directory and the night hearing of it: the run's owner file names its process
  if (r.dir === undefined && r.pid) r.dir = ownedBy(store, r.campaign, r.pid);
  if (r.pid) {
    const p = identify(r.pid.pid, 'run', '');
    if (p && p.starttime === r.pid.starttime) {
      const until = Date.now() + 30_000;
      while (isAlive(p) && Date.now() < until) await new Promise((ok) => setTimeout(ok, 200));
      if (isAlive(p)) {
        log(`${r.id}: its run (pid ${r.pid.pid}) outlived the controller: killing it`);
        try {
          process.kill(r.pid.pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
        while (procStat(r.pid.pid) && isAlive(p)) await new Promise((ok) => setTimeout(ok, 100));
      }
    }
    delete r.pid;
  }
  if (r.dir === undefined) {
    log(`${r.id}: interrupted before its run directory existed: it runs again`);
    r.status = 'pending';
    delete r.startedAt;
    return;
  }
  r.status = 'done';
  r.endedAt ??= new Date().toISOString();
  const done = resultsOf(store, r);
  if (done) {
    // the run had ended and stored its results; only the night did not hear of it
    fromResults(r, done);
    log(`${r.id}: ended before the controller was killed: ${done.verdict} (${r.outcome})`);
    return;
  }
  let res: RunResults;
  try {
    res = recheckRun(path.join(store, r.dir), { timeoutMs: checkTimeoutMs, note: 'checked by nightly --resume after the controller was killed' });
  } catch (e: unknown) {
    if (!isChaosError(e)) throw e;
    r.outcome = 'unknown';
    r.incomplete = true;
    r.message = `interrupted, and its history could not be checked: ${e.message}`;
    return;
  }
  fromResults(r, res);
  r.incomplete = true;
  log(`${r.id}: interrupted; checked: ${res.verdict} (${r.outcome})`);
}

/** the run directory of `campaign` whose owner file names the run's process */
function ownedBy(store: string, campaign: string, pid: { pid: number; starttime: number }): string | undefined {
  const base = path.join(store, campaign);
  let dirs: string[];
  try {
    dirs = fs.readdirSync(base);
  } catch {
    return undefined;
  }
  const d = dirs.find((x) => {
    const o = readRunOwner(path.join(base, x));
    return o !== undefined && o.pid === pid.pid && o.starttime === pid.starttime;
  });
  return d === undefined ? undefined : path.join(campaign, d);
}
