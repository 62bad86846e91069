// A small strict XML 1.0 reader, enough to check the JUnit files we write are well formed:
// elements, attributes, text, comments, the five entities and character references. No DTDs.
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

export class XmlError extends Error {}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENT: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
// characters XML 1.0 allows
const BAD_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\ud800-\udbff\udc00-\udfff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function parseXml(src: string): XmlElement {
  const bad = BAD_CHAR.exec(src);
  if (bad) throw new XmlError(`character U+${bad[0].charCodeAt(0).toString(16)} is not allowed in XML (offset ${bad.index})`);
  let i = 0;
  const line = (): number => src.slice(0, i).split('\n').length;
  const fail = (m: string): never => {
    throw new XmlError(`line ${line()}: ${m}`);
  };
  const decode = (s: string, inAttr: boolean): string => {
    if (s.includes('<')) fail(`raw "<" in ${inAttr ? 'an attribute' : 'text'}`);
    if (!inAttr && s.includes(']]>')) fail('"]]>" in text');
    return s.replace(/&([^;]*);|&/g, (_m, e: string | undefined) => {
      if (e === undefined) return fail('raw "&"');
      if (ENT[e] !== undefined) return ENT[e]!;
      const n = /^#x([0-9a-fA-F]+)$/.exec(e) ?? /^#([0-9]+)$/.exec(e);
      if (!n) return fail(`unknown entity &${e};`);
      const cp = parseInt(n[1]!, e.startsWith('#x') ? 16 : 10);
      const ch = String.fromCodePoint(cp);
      if (BAD_CHAR.test(ch)) fail(`character reference &${e}; is not an XML character`);
      return ch;
    });
  };
  const skipMisc = (): void => {
    for (;;) {
      while (/\s/.test(src[i] ?? '')) i++;
      if (src.startsWith('<!--', i)) {
        const e = src.indexOf('-->', i + 4);
        if (e < 0) fail('unterminated comment');
        i = e + 3;
      } else if (src.startsWith('<?', i)) {
        const e = src.indexOf('?>', i + 2);
        if (e < 0) fail('unterminated processing instruction');
        i = e + 2;
      } else if (src.startsWith('<!', i)) fail('DOCTYPE and CDATA are not supported');
      else return;
    }
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected "<"');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '', line: line() };
    for (;;) {
      const ws = /\s/.test(src[i] ?? '');
      while (/\s/.test(src[i] ?? '')) i++;
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (!ws) fail('expected whitespace between attributes');
      const a = name();
      if (a in el.attrs) fail(`duplicate attribute ${a}`);
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '=') fail(`attribute ${a} has no "="`);
      i++;
      while (/\s/.test(src[i] ?? '')) i++;
      const q = src[i];
      if (q !== '"' && q !== "'") fail(`attribute ${a} is not quoted`);
      const e = src.indexOf(q!, i + 1);
      if (e < 0) fail('unterminated attribute');
      el.attrs[a] = decode(src.slice(i + 1, e), true);
      i = e + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`<${el.name}> is never closed`);
      el.text += decode(src.slice(i, lt), false);
      i = lt;
      if (src.startsWith('<!--', i)) {
        const e = src.indexOf('-->', i + 4);
        if (e < 0) fail('unterminated comment');
        i = e + 3;
      } else if (src.startsWith('</', i)) {
        i += 2;
        const n = name();
        if (n !== el.name) fail(`</${n}> closes <${el.name}>`);
        while (/\s/.test(src[i] ?? '')) i++;
        if (src[i] !== '>') fail('expected ">"');
        i++;
        return el;
      } else if (src.startsWith('<!', i) || src.startsWith('<?', i)) fail('CDATA and processing instructions inside elements are not supported');
      else el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i < src.length) fail('content after the root element');
  return root;
}
