// A YAML file read for a zod schema, shared by the campaign and the suite loaders: every error
// names the file, the line and the field (exit 254), and aliases are resolved with a cap.
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { InputError, MAX_TEXT_NESTING, inputAt, nestingTooDeep } from '../core';

export interface Issue {
  code: string;
  message: string;
  path: PropertyKey[];
  keys?: string[];
  values?: unknown[];
}

export interface YamlSource {
  file: string;
  doc: Document;
  lc: LineCounter;
  /** the document as data */
  value: unknown;
}

/** parse `text` (from `file`); syntax errors, alias bombs and deep nesting are `badYaml` */
export function readYaml(file: string, text: string, badYaml: string): YamlSource {
  const deep = nestingTooDeep(text);
  if (deep !== undefined) throw inputAt(badYaml, file, deep, `nested deeper than ${MAX_TEXT_NESTING} levels`);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    // the YAML parser catches its own stack overflow on deep nesting; say what it means
    const what = /call stack/i.test(e.message) ? 'nested too deeply' : e.message.split('\n')[0]!;
    throw inputAt(badYaml, file, e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line, what);
  }
  return { file, doc, lc, value: yamlValue(doc, file, badYaml) };
}

/**
 * The document as data. Aliases resolve here, so an alias to an anchor that comes later, or an
 * alias bomb (a "billion laughs"), throws from the YAML library: that is bad input too.
 */
function yamlValue(doc: Document, file: string, code: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (e: unknown) {
    throw inputAt(code, file, undefined, `invalid YAML: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]!}`);
  }
}

/** a zod issue at `prefix` + its path, as `file:line: field: what` */
export function issueError(src: YamlSource, code: string, issue: Issue, prefix: (string | number)[]): InputError {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  // an unknown key is best shown on its own line
  const at = issue.code === 'unrecognized_keys' && issue.keys?.[0] ? [...path, issue.keys[0]] : path;
  return fieldError(src, code, path, describeIssue(issue), at);
}

function describeIssue(issue: Issue): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (issue.code === 'invalid_value' && issue.values) return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}

/** `file:line: field a.b[2].c: what`, the line found from the YAML node at that path */
export function fieldError(src: YamlSource, code: string, path: (string | number)[], what: string, at: (string | number)[] = path): InputError {
  const field = path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
  return inputAt(code, src.file, lineOf(src, at), field ? `${field}: ${what}` : what);
}

function lineOf({ doc, lc }: YamlSource, path: (string | number)[]): number | undefined {
  // the deepest node that exists along the path (a missing field points at its parent)
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}
