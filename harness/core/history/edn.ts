// A real EDN reader (the subset Jepsen and Knossos write, plus the rest of the grammar we may
// meet): strings may contain brackets and braces, so nothing here is done with regexes over lines.
import { inputAt } from '../errors';

export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return ':' + this.name;
  }
}
export class Sym {
  constructor(readonly name: string) {}
}
export class EdnMap {
  constructor(readonly entries: [Edn, Edn][], readonly line: number) {}
  /** value under the keyword :name */
  get(name: string): Edn | undefined {
    for (const [k, v] of this.entries) if (k instanceof Keyword && k.name === name) return v;
    return undefined;
  }
  has(name: string): boolean {
    return this.entries.some(([k]) => k instanceof Keyword && k.name === name);
  }
}
export class EdnSet {
  constructor(readonly items: Edn[]) {}
}
export class EdnList {
  constructor(readonly items: Edn[]) {}
}
export class Tagged {
  constructor(readonly tag: string, readonly value: Edn) {}
}
export type Edn = null | boolean | number | bigint | string | Keyword | Sym | Edn[] | EdnList | EdnMap | EdnSet | Tagged;

/** far deeper than any history value; bounds the reader's and the importers' recursion */
export const MAX_EDN_DEPTH = 200;

const DELIMS = new Set(['(', ')', '[', ']', '{', '}', '"', ';']);

export class EdnReader {
  private pos = 0;
  private line = 1;
  private depth = 0;
  constructor(private readonly src: string, private readonly file: string) {}

  /** All top-level forms. */
  readAll(): { form: Edn; line: number }[] {
    const out: { form: Edn; line: number }[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.src.length) return out;
      const line = this.line;
      const f = this.readForm();
      if (f !== DISCARDED) out.push({ form: f, line });
    }
  }

  private fail(what: string, line = this.line): never {
    throw inputAt('history.badEdn', this.file, line, what);
  }

  private skipSpace(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 10) {
        this.line++;
        this.pos++;
      } else if (c === 32 || c === 9 || c === 13 || c === 44 /* , */ || c === 12) {
        this.pos++;
      } else if (c === 59 /* ; */) {
        while (this.pos < s.length && s.charCodeAt(this.pos) !== 10) this.pos++;
      } else return;
    }
  }

  private readForm(): Edn | typeof DISCARDED {
    const s = this.src;
    const c = s[this.pos]!;
    const line = this.line;
    switch (c) {
      case '[':
        this.pos++;
        return this.readSeq(']', line);
      case '(':
        this.pos++;
        return new EdnList(this.readSeq(')', line));
      case '{': {
        this.pos++;
        const items = this.readSeq('}', line);
        if (items.length % 2 !== 0) this.fail('map literal with an odd number of forms', line);
        const entries: [Edn, Edn][] = [];
        for (let i = 0; i < items.length; i += 2) entries.push([items[i]!, items[i + 1]!]);
        return new EdnMap(entries, line);
      }
      case ')':
      case ']':
      case '}':
        this.fail(`unexpected "${c}"`);
      // falls through: fail never returns
      case '"':
        return this.readString();
      case '#':
        return this.readDispatch(line);
      case '\\':
        return this.readChar();
      default:
        return this.readAtom();
    }
  }

  private readSeq(close: string, line: number): Edn[] {
    // the reader recurses per level: 10,000 brackets overflowed the stack (a RangeError)
    if (++this.depth > MAX_EDN_DEPTH) this.fail(`collections nested deeper than ${MAX_EDN_DEPTH} levels`, line);
    const items: Edn[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.src.length) this.fail(`unterminated collection, expected "${close}"`, line);
      if (this.src[this.pos] === close) {
        this.pos++;
        this.depth--;
        return items;
      }
      const f = this.readForm();
      if (f !== DISCARDED) items.push(f);
    }
  }

  private readString(): string {
    const s = this.src;
    const line = this.line;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string', line);
      const c = s[this.pos++]!;
      if (c === '"') return out;
      if (c === '\n') this.line++;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s[this.pos++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'u': {
          const hex = s.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape in string');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`bad escape "\\${e ?? ''}" in string`);
      }
    }
  }

  private readDispatch(line: number): Edn | typeof DISCARDED {
    const next = this.src[this.pos + 1];
    if (next === '{') {
      this.pos += 2;
      return new EdnSet(this.readSeq('}', line));
    }
    if (next === '_') {
      this.pos += 2;
      this.skipSpace();
      this.readForm();
      return DISCARDED;
    }
    // tagged literal: #inst "...", #uuid "...", #jepsen.history.Op{...}
    this.pos++;
    const tag = this.readToken();
    if (tag === '') this.fail('bad "#" dispatch');
    this.skipSpace();
    if (this.pos >= this.src.length) this.fail(`tag #${tag} without a value`);
    const v = this.readForm();
    return new Tagged(tag, v === DISCARDED ? null : v);
  }

  private readChar(): string {
    this.pos++;
    const tok = this.readToken();
    const named: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r', backspace: '\b', formfeed: '\f' };
    if (tok.length === 1) return tok;
    if (tok === '' && this.pos < this.src.length) return this.src[this.pos++]!;
    if (named[tok] !== undefined) return named[tok];
    if (/^u[0-9a-fA-F]{4}$/.test(tok)) return String.fromCharCode(parseInt(tok.slice(1), 16));
    return this.fail(`bad character literal \\${tok}`);
  }

  private readToken(): string {
    const s = this.src;
    const start = this.pos;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === ',' || DELIMS.has(c) || (c === '#' && this.pos === start)) break;
      this.pos++;
    }
    return s.slice(start, this.pos);
  }

  private readAtom(): Edn {
    const line = this.line;
    const tok = this.readToken();
    if (tok === '') this.fail(`unexpected character "${this.src[this.pos]}"`, line);
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (tok[0] === ':') {
      if (tok.length === 1) this.fail('empty keyword', line);
      return new Keyword(tok.slice(1));
    }
    const m = /^([-+]?)(\d+)(N?)$/.exec(tok);
    if (m) {
      const big = BigInt(m[1] + m[2]!);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    // 1e400 and 1/0 would read as Infinity, which no history value can be
    const finite = (x: number): number => (Number.isFinite(x) ? x : this.fail(`number "${tok}" is out of range`, line));
    if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?M?$/.test(tok)) return finite(Number(tok.replace(/M$/, '')));
    if (/^[-+]?\d+\/\d+$/.test(tok)) {
      const [a, b] = tok.split('/');
      return finite(Number(a) / Number(b));
    }
    if (/^\d/.test(tok)) this.fail(`bad number "${tok}"`, line);
    return new Sym(tok);
  }
}

const DISCARDED = Symbol('discarded');

export function readEdn(src: string, file: string): { form: Edn; line: number }[] {
  return new EdnReader(src, file).readAll();
}
