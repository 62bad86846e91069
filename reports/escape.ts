// Every value that reaches a report comes from a history or a results file, which come from
// agents, importers and humans: all of it is escaped for the context it lands in.

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or a double/single-quoted attribute value. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * JSON to embed inside a <script> element. JSON.stringify alone leaves `</script>`, `<!--` and
 * U+2028/2029 intact; escaping `<`, `>` and `&` as \u escapes keeps the JSON identical to a
 * parser while the HTML tokenizer never sees a tag, a comment or a line terminator.
 */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v ?? null).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

const XML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text or attribute content for XML 1.0: markup characters escaped and characters XML 1.0
 * cannot carry at all (most C0 controls, lone surrogates, U+FFFE/FFFF) replaced, since a
 * JUnit consumer rejects the whole file for one of them.
 */
export function xmlEsc(v: unknown): string {
  return String(v ?? '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => XML[c]!)
    // a newline inside an attribute would be normalised to a space by the parser
    .replace(/\r/g, '&#13;');
}

/** xmlEsc for attribute values, keeping line breaks (normalised away otherwise). */
export function xmlAttr(v: unknown): string {
  return xmlEsc(v).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

/** Short display of a JSON value, cut at `max` characters. */
export function shortJson(v: unknown, max = 60): string {
  if (v === undefined) return '';
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
