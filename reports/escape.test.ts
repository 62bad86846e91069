// Escaping for HTML text/attributes, for JSON inside <script>, and for XML.
import { esc, jsonForScript, xmlAttr, xmlEsc } from './escape';
import { HOSTILE } from './test-support';

const payloads = [...Object.values(HOSTILE), '&amp;', '\u0000\u0008\ud800x', '"\'<>&'];

test('HTML escaping leaves no markup character', () => {
  for (const p of payloads) expect(esc(p)).not.toMatch(/[<>"']|&(?!(amp|lt|gt|quot|#39);)/);
  expect(esc('<a href="x">O\'k & co</a>')).toBe('&lt;a href=&quot;x&quot;&gt;O&#39;k &amp; co&lt;/a&gt;');
  expect(esc(undefined)).toBe('');
});

test('JSON for a script element parses back to the same value and cannot end the element', () => {
  const v = { payloads, nested: [{ k: HOSTILE.endScript }], s: 'x</SCRIPT >y<!--z-->\u2028\u2029' };
  const s = jsonForScript(v);
  expect(JSON.parse(s)).toEqual(v);
  expect(s).not.toMatch(/<|>|&|\u2028|\u2029/);
  expect(s.toLowerCase()).not.toContain('</script');
  expect(jsonForScript(undefined)).toBe('null');
});

test('XML escaping: markup escaped, characters XML cannot carry replaced, line breaks kept in attributes', () => {
  expect(xmlEsc('<x a="1">&\'</x>')).toBe('&lt;x a=&quot;1&quot;&gt;&amp;&apos;&lt;/x&gt;');
  expect(xmlEsc('a\u0000b\u001bc\ud800d\ufffe')).toBe('a\ufffdb\ufffdc\ufffdd\ufffd');
  expect(xmlEsc('\ud83d\ude00')).toBe('\ud83d\ude00');
  expect(xmlAttr('line1\nline2\ttab\r')).toBe('line1&#10;line2&#9;tab&#13;');
});
