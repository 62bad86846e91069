import { InputError } from '../errors';
import { EdnList, EdnMap, EdnSet, Keyword, Tagged, readEdn } from './edn';

const one = (s: string): unknown => readEdn(s, 'f.edn')[0]!.form;

describe('EDN reader', () => {
  it('reads scalars, keywords and collections', () => {
    expect(one('nil')).toBeNull();
    expect(one('-42')).toBe(-42);
    expect(one('12345678901234567890')).toBe(12345678901234567890n);
    expect(one('1.5')).toBe(1.5);
    expect(one(':read')).toEqual(new Keyword('read'));
    expect(one('[1 2, 3]')).toEqual([1, 2, 3]);
    expect(one('(1 2)')).toBeInstanceOf(EdnList);
    expect(one('#{1 2}')).toBeInstanceOf(EdnSet);
    expect(one('#inst "2020-01-01"')).toEqual(new Tagged('inst', '2020-01-01'));
  });

  it('keeps brackets and braces inside strings, and escapes', () => {
    const m = one('{:error "boom ] } #{ [", :value "a\\"b\\nc"}') as EdnMap;
    expect(m.get('error')).toBe('boom ] } #{ [');
    expect(m.get('value')).toBe('a"b\nc');
  });

  it('skips comments, commas and discarded forms, and tracks lines', () => {
    const forms = readEdn('; a comment [ {\n{:a 1}, #_ {:b 2}\n\n{:c 3}', 'f.edn');
    expect(forms.map((f) => f.line)).toEqual([2, 4]);
    expect((forms[1]!.form as EdnMap).get('c')).toBe(3);
  });

  it.each([
    ['[1 2', 'f.edn:1: unterminated collection'],
    ['{:a}', 'f.edn:1: map literal with an odd number of forms'],
    ['\n\n"abc', 'f.edn:3: unterminated string'],
    ['[1 2]]', 'f.edn:1: unexpected "]"'],
  ])('rejects %j with a located message', (src, msg) => {
    expect(() => readEdn(src, 'f.edn')).toThrow(InputError);
    expect(() => readEdn(src, 'f.edn')).toThrow(msg);
  });
});
