// `rdma-chaos check FILE...`: load each history, check it, print a line (or a JSON object) per
// file; the exit code is the worst verdict. Malformed input ends with `file:line: ...` and 254.
import { BadValueError, MODEL_NAMES, checkHistory, verdictExit, worst, type Verdict } from '../../checkers';
import type { CommandContext, Operation } from '../../core';
import { InputError, inputAt, loadOps, type HistoryFormat } from '../../core';

export interface CheckCommandOptions {
  format?: HistoryFormat;
  model?: string;
  json?: boolean;
  timeout?: number;
  partition?: boolean;
  explain?: boolean;
}

export async function checkCommand(ctx: CommandContext, files: string[], opts: CheckCommandOptions): Promise<number> {
  if (opts.model !== undefined && !(MODEL_NAMES as readonly string[]).includes(opts.model)) {
    throw new InputError('check.unknownModel', `unknown model "${opts.model}" (one of ${MODEL_NAMES.join(', ')})`);
  }
  const verdicts: Verdict[] = [];
  for (const file of files) {
    const h = loadOps(file, opts.format);
    const ops = h.ops;
    const c = locate(file, () => checkHistory(ops, {
      format: h.format,
      ...(opts.model !== undefined ? { model: opts.model } : {}),
      timeoutMs: (opts.timeout ?? 60) * 1000,
      partition: opts.partition !== false,
      explain: opts.explain ?? !opts.json,
      signal: ctx.signal,
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
          checks: c.results.map((r) => ({ checker: r.checker, verdict: r.verdict, summary: r.summary })),
          violations: violations.map((v) => ({ kind: v.kind, message: v.message, ops: v.ops })),
        }) + '\n',
      );
      continue;
    }
    ctx.stdout.write(`${file}: ${c.verdict} (${ops.length} ops, ${h.format}, ${c.models.join('+')}, ${c.ms.toFixed(1)} ms)\n`);
    for (const r of c.results) if (r.verdict !== 'valid') ctx.stdout.write(`  ${r.checker}: ${r.verdict}: ${r.summary}\n`);
    if (opts.explain ?? true) for (const v of violations) if (v.explanation) writeExplanation(ctx, ops, v.explanation);
  }
  // Jepsen's priority: one violation outranks any number of unknowns
  return verdictExit(worst(verdicts));
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
