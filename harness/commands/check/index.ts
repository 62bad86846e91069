// `rdma-chaos check FILE...`: load each history, check it, print a line (or a JSON object) per
// file; the exit code is the worst verdict. Malformed input ends with `file:line: ...` and 254.
// A FILE may be gzipped, or a run directory: its history.jsonl, or the .gz retention left.
import * as fs from 'node:fs';
import { BadValueError, MODEL_NAMES, checkHistory, verdictExit, worst, type SearchProgress, type Verdict } from '../../checkers';
import type { CommandContext, Operation } from '../../core';
import { InputError, inputAt, loadOps, runDataFile, type HistoryFormat } from '../../core';

export interface CheckCommandOptions {
  format?: HistoryFormat;
  model?: string;
  json?: boolean;
  timeout?: number;
  partition?: boolean;
  explain?: boolean;
  /** report reading and search progress on stderr, about once a second */
  progress?: boolean;
}

export async function checkCommand(ctx: CommandContext, files: string[], opts: CheckCommandOptions): Promise<number> {
  if (opts.model !== undefined && !(MODEL_NAMES as readonly string[]).includes(opts.model)) {
    throw new InputError('check.unknownModel', `unknown model "${opts.model}" (one of ${MODEL_NAMES.join(', ')})`);
  }
  const verdicts: Verdict[] = [];
  for (const file of files.map(historyOf)) {
    // the budget covers reading too: a nightly schedule waits for the answer, not the search
    const budgetMs = (opts.timeout ?? 60) * 1000;
    const deadline = Date.now() + budgetMs;
    const progress = opts.progress ? throttled(ctx) : undefined;
    const bytes = { read: 0, total: 0 };
    const t0 = Date.now();
    const h = loadOps(file, opts.format, {
      deadline,
      onProgress: (read: number, total: number) => {
        [bytes.read, bytes.total] = [read, total];
        progress?.(`${file}: read ${mb(read)} of ${mb(total)} MB`);
      },
    });
    const readMs = Date.now() - t0;
    // a torn last line was dropped: said on stderr, so stdout stays one result per file
    for (const w of h.warnings) ctx.stderr.write(`rdma-chaos: warning: ${w}\n`);
    if (h.truncated) {
      verdicts.push('unknown');
      writeUnread(ctx, file, opts, `time budget of ${secs(budgetMs)} exhausted while reading the history: ${mb(bytes.read)} of ${mb(bytes.total)} MB read in ${secs(readMs)}`);
      continue;
    }
    const ops = h.ops;
    const c = locate(file, () => checkHistory(ops, {
      format: h.format,
      ...(opts.model !== undefined ? { model: opts.model } : {}),
      timeoutMs: Math.max(0, deadline - Date.now()),
      budget: { totalMs: budgetMs, spent: [{ what: 'reading', ms: readMs }] },
      partition: opts.partition !== false,
      explain: opts.explain ?? !opts.json,
      signal: ctx.signal,
      ...(progress ? { onProgress: (model: string, p: SearchProgress) => progress(`${file}: ${model}: ${p.placed} of ${p.total} ok ops placed (${Math.floor((100 * p.placed) / Math.max(1, p.total))}%), ${p.steps} steps, ${p.partitions - p.partitionsLeft} of ${p.partitions} partitions decided`) } : {}),
    }));
    verdicts.push(c.verdict);
    const violations = c.results.flatMap((r) => r.violations);
    if (opts.json) {
      ctx.stdout.write(
        JSON.stringify({
          file,
          verdict: c.verdict,
          ms: Math.round(c.ms * 1000) / 1000,
          ops: ops.length,
          format: h.format,
          models: c.models,
          checks: c.results.map((r) => ({ checker: r.checker, verdict: r.verdict, summary: r.summary, ...(r.skipped !== undefined ? { skipped: r.skipped } : {}) })),
          violations: violations.map((v) => ({ kind: v.kind, message: v.message, ops: v.ops })),
        }) + '\n',
      );
      continue;
    }
    ctx.stdout.write(`${file}: ${c.verdict} (${ops.length} ops, ${h.format}, ${c.models.join('+')}, ${c.ms.toFixed(1)} ms)\n`);
    for (const r of c.results) {
      if (r.skipped !== undefined) ctx.stdout.write(`  ${r.checker}: skipped: ${r.skipped}\n`);
      else if (r.verdict !== 'valid') ctx.stdout.write(`  ${r.checker}: ${r.verdict}: ${r.summary}\n`);
    }
    if (opts.explain ?? true) for (const v of violations) if (v.explanation) writeExplanation(ctx, ops, v.explanation);
  }
  // Jepsen's priority: one violation outranks any number of unknowns
  return verdictExit(worst(verdicts));
}

/** a run directory's history; anything else as given (a directory without one is refused by loadOps) */
function historyOf(file: string): string {
  const isDir = fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() === true;
  return (isDir && runDataFile(file, 'history')) || file;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(0);
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** one progress line to stderr at most once a second */
function throttled(ctx: CommandContext): (line: string) => void {
  let next = Date.now() + 1000;
  return (line) => {
    if (Date.now() < next) return;
    next = Date.now() + 1000;
    ctx.stderr.write(line + '\n');
  };
}

function writeUnread(ctx: CommandContext, file: string, opts: CheckCommandOptions, why: string): void {
  if (opts.json) ctx.stdout.write(JSON.stringify({ file, verdict: 'unknown', checks: [{ checker: 'history', verdict: 'unknown', summary: why }], violations: [] }) + '\n');
  else ctx.stdout.write(`${file}: unknown (${why})\n`);
}

function locate<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e: unknown) {
    if (e instanceof BadValueError) throw inputAt(e.code, file, e.line, e.what);
    throw e;
  }
}

function writeExplanation(ctx: CommandContext, ops: readonly Operation[], e: NonNullable<ReturnType<typeof checkHistory>['results'][number]['violations'][number]['explanation']>): void {
  const line = (id: number): string => {
    const op = ops[id]!;
    const res = op.status === 'ok' ? (op.result !== undefined ? ` -> ${JSON.stringify(op.result)}` : ' ok') : ` ${op.status}`;
    return `p${op.process} ${op.f}${op.key !== undefined ? `[${String(op.key)}]` : ''}${op.value !== undefined ? ' ' + JSON.stringify(op.value) : ''}${res} (line ${op.callLine ?? '?'})`;
  };
  ctx.stdout.write(`  cannot be linearized${e.minimalComplete ? '' : ' (shrinking ran out of time: not minimal)'}: ${e.minimal.length} op(s)\n`);
  for (const id of e.minimal) ctx.stdout.write(`    ${line(id)}\n`);
  ctx.stdout.write(`  longest linearizable prefix: ${e.longestPrefix.length} op(s), then the state is ${e.stateAfterPrefix}\n`);
  for (const id of e.longestPrefix.slice(-8)) ctx.stdout.write(`    ${line(id)}\n`);
  ctx.stdout.write(`  and ${line(e.blocked)} cannot follow\n`);
}
