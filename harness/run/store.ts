// The store stage and its run directory: store/<campaign>/<timestamp>/ is created before
// anything starts so every log has a home, filled as the run goes (history appended and flushed
// as events arrive), and ends with results.json, written whole or not at all. Until then its
// owner.json says which process runs it, so a directory whose owner died is known interrupted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { RunPlan } from '../campaign';
import { currentOwner, knownSecrets, redactor, removeRunOwner, RUN_FILES, writeResults, writeRunOwner, type RunResults } from '../core';

export interface RunDir {
  dir: string;
  log(line: string): void;
  agentLog(node: string, line: string): void;
  close(): void;
}

/**
 * `redact` blanks secrets in every log line: the credentials rdma-chaos reads from the
 * environment by default. A message that quotes a URL or an error from a library could carry one.
 */
export function createRunDir(store: string, plan: RunPlan, now = new Date(), redact: (line: string) => string = redactor(knownSecrets(process.env))): RunDir {
  const campaign = plan.campaign;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let dir = path.join(store, campaign.name, stamp);
  for (let k = 2; fs.existsSync(dir); k++) dir = path.join(store, campaign.name, `${stamp}-${k}`);
  fs.mkdirSync(path.join(dir, RUN_FILES.agentsDir), { recursive: true });
  // the campaign as run: every default filled in and the seed fixed, so --replay repeats it
  fs.writeFileSync(path.join(dir, RUN_FILES.campaign), stringify(campaign));
  // after campaign.yaml: an owned directory can always be rechecked
  writeRunOwner(dir, currentOwner(now));
  const controller = fs.openSync(path.join(dir, RUN_FILES.controllerLog), 'a');
  const agents = new Map<string, number>();
  const stamped = (line: string): string => `${new Date().toISOString()} ${redact(line)}\n`;
  return {
    dir,
    // logs are the run's notes, not its record: a full disk drops lines, it does not end the run
    log(line) {
      quietly(() => fs.writeSync(controller, stamped(line)));
    },
    agentLog(node, line) {
      quietly(() => {
        let fd = agents.get(node);
        if (fd === undefined) agents.set(node, (fd = fs.openSync(path.join(dir, RUN_FILES.agentsDir, `${node.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`), 'a')));
        fs.writeSync(fd, stamped(line));
      });
    },
    close() {
      fs.closeSync(controller);
      for (const fd of agents.values()) fs.closeSync(fd);
      agents.clear();
    },
  };
}

function quietly(f: () => void): void {
  try {
    f();
  } catch {
    /* ENOSPC and the like: the history writer reports it */
  }
}

/** the last stage: results.json; then the run has no owner any more */
export function storeResults(dir: string, results: RunResults): void {
  writeResults(dir, results);
  removeRunOwner(dir);
}
