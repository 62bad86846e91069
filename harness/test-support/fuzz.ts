// Shared pieces of the fuzz tests (issue 16): mutations of VALID inputs, so the fuzz gets past
// the first syntax check and reaches the deep code, and the one property every parser keeps:
// a valid parse or a clear error (a ChaosError with a code, one line, exit 254 or 2), never a
// TypeError, a RangeError or a hang.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import fc from 'fast-check';
import { isChaosError } from '../core';

/** at least 10,000 cases per target (issue 16); a fixed seed keeps CI reproducible */
export const FUZZ_RUNS = 10_000;
export const fuzzParams = (seed: number): fc.Parameters<unknown> => ({ numRuns: FUZZ_RUNS, seed, endOnFailure: false });

/** Runs `parse`; a thrown error must be a clear one. Returns the error, if any. */
export function clearOrValid<T>(parse: () => T, codePrefix: RegExp): { value?: T; error?: Error } {
  try {
    return { value: parse() };
  } catch (e: unknown) {
    if (!isChaosError(e)) throw new Error(`not a clear error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (!codePrefix.test(e.code)) throw new Error(`unexpected code ${e.code}: ${e.message}`);
    if (e.exitCode !== 254 && e.exitCode !== 2) throw new Error(`exit ${e.exitCode} for ${e.code}: ${e.message}`);
    if (/[\r\n]/.test(e.message)) throw new Error(`not one line: ${JSON.stringify(e.message)}`);
    if (e.message.length > 1000) throw new Error(`a message of ${e.message.length} characters: ${e.message.slice(0, 300)}`);
    return { error: e };
  }
}

/** values that break naive code: wrong types, huge and odd numbers, unicode, nesting */
export const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, -0, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, -1e308, 5e-324),
  fc.constantFrom('', ' ', '0', '-1', '1e999', 'NaN', '∞', '\u0000', '\ud800', '🦀🦀', 'null', '[', '{', '"', '\\', '1s', '0ms', '99999999999999h', 'x'.repeat(300)),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 3 }),
  fc.integer({ min: 1, max: 60 }).map((d) => nest(d)),
);

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

type Json = unknown;
type Path = (string | number)[];

function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

const ACTIONS = ['delete', 'replace', 'rename', 'wrap', 'duplicate', 'addField'] as const;
type Mutation = { pick: number; action: (typeof ACTIONS)[number]; value: unknown; name: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  action: fc.constantFrom(...ACTIONS),
  value: nasty,
  name: fc.oneof(fc.constantFrom('id', 'params', 'kind', 'seed', 'rate', '__proto__', 'constructor', 'toString', '<<'), fc.string({ maxLength: 6 })),
});

function applyMutation(root: Json, m: Mutation): Json {
  const copy = structuredClone(root) as Json;
  const all = paths(copy);
  const p = all[m.pick % all.length]!;
  if (p.length === 0) return m.action === 'replace' ? m.value : copy;
  const parent = p.slice(0, -1).reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], copy) as Record<string | number, Json> | Json[];
  const key = p[p.length - 1]!;
  const cur = (parent as Record<string | number, Json>)[key];
  switch (m.action) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, Json>)[key];
      break;
    case 'replace':
      (parent as Record<string | number, Json>)[key] = m.value;
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        delete (parent as Record<string, Json>)[key];
        (parent as Record<string, Json>)[m.name] = cur;
      }
      break;
    case 'wrap':
      (parent as Record<string | number, Json>)[key] = [cur];
      break;
    case 'duplicate':
      if (Array.isArray(parent)) for (let i = 0; i < 1 + (m.pick % 40); i++) parent.push(structuredClone(cur));
      else (parent as Record<string, Json>)[`${String(key)}_`] = cur;
      break;
    case 'addField':
      if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) Object.defineProperty(cur, m.name, { value: m.value, enumerable: true, writable: true, configurable: true });
      break;
  }
  return copy;
}

/** a valid value with one to three fields deleted, retyped, renamed, wrapped or repeated */
export function mutatedValue(bases: readonly Json[]): fc.Arbitrary<Json> {
  return fc.tuple(fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([b, ms]) => ms.reduce(applyMutation, b));
}

const TEXT_OPS = ['flip', 'truncate', 'insert', 'delete', 'dupLine', 'dropLine', 'swapLines', 'nest'] as const;
type TextOp = { op: (typeof TEXT_OPS)[number]; at: number; len: number; text: string; depth: number };

/** snippets that mean something to YAML, JSON or EDN */
const SPECIAL = ['\u0000', '\ufeff', '\ud83e', '\u2028', '\r', '\t', '"', "'", '\\', '{', '}', '[', ']', '(', ')', ':', ',', '#', ';', '&a ', '*a', '!!binary ', '!!js/function ', '<<: ', '? ', '- ', '---\n', '...\n', '%YAML 1.2\n', '#_', '#{', '#inst ', '\\newline', ':nil', 'nil', '1N', '1/0', '-', '9'.repeat(30), 'e999', '1e400', '0x1f', '.inf', '.nan', '~', '\n  ', '🦀'];

const textOp: fc.Arbitrary<TextOp> = fc.record({
  op: fc.constantFrom(...TEXT_OPS),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 8 }),
  text: fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 3 })),
  // recursive readers and validators overflow the stack somewhere past a few thousand levels
  depth: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 20_000 })),
});

function applyTextOp(s: string, o: TextOp): string {
  const at = s.length ? o.at % (s.length + 1) : 0;
  const lines = s.split('\n');
  const li = o.at % Math.max(1, lines.length);
  switch (o.op) {
    case 'flip': {
      if (!s.length) return o.text;
      const i = at % s.length;
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << (o.len % 8))) + s.slice(i + 1);
    }
    case 'truncate':
      return s.slice(0, at);
    case 'insert':
      return s.slice(0, at) + o.text + s.slice(at);
    case 'delete':
      return s.slice(0, at) + s.slice(at + o.len);
    case 'dupLine':
      return [...lines.slice(0, li + 1), lines[li]!, ...lines.slice(li + 1)].join('\n');
    case 'dropLine':
      return [...lines.slice(0, li), ...lines.slice(li + 1)].join('\n');
    case 'nest': {
      // a value wrapped in brackets `depth` deep, the closing ones after the next token
      const end = Math.min(s.length, at + 1 + (o.len % 3));
      return s.slice(0, at) + '['.repeat(o.depth) + s.slice(at, end) + ']'.repeat(o.depth) + s.slice(end);
    }
    case 'swapLines': {
      const j = (li + o.len) % Math.max(1, lines.length);
      const l = lines.slice();
      [l[li], l[j]] = [l[j]!, l[li]!];
      return l.join('\n');
    }
  }
}

/** valid text with one to four bytes flipped, cuts, insertions (NULs, brackets, unicode) or line edits */
export function mutatedText(bases: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...bases), fc.array(textOp, { minLength: 1, maxLength: 4 })).map(([b, ops]) => ops.reduce(applyTextOp, b));
}

const BIN = path.resolve(__dirname, '../../bin/rdma-chaos.js');

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** the installed CLI (dist/, built by `npm run build`), as a user runs it */
export function runBin(args: string[], env: NodeJS.ProcessEnv = {}): BinResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** the CLI's contract on bad input: a Jepsen exit code and no stack trace */
export function expectCleanExit(r: BinResult): void {
  expect([0, 1, 2, 254]).toContain(r.code);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
  expect(r.stderr).not.toMatch(/internal error|TypeError|RangeError|ReferenceError|SyntaxError/);
}
