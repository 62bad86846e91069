// How deep a YAML (or JSON) text nests, measured before any parser sees it. The YAML library
// recurses per level: at a few thousand levels it overflows the stack, and at 10,000 V8 can die
// outright compiling a regexp near the stack's end ("RegExpCompiler Allocation failed", exit 134),
// which no catch can turn into a clear error.

/** the deepest any campaign, inventory or history value needs, with room */
export const MAX_TEXT_NESTING = 100;

/**
 * The 1-based line where flow brackets ([ {) plus compact block entries (`- - -`, `? ?`) first
 * nest deeper than `max`, or undefined. Quoted strings and comments are skipped; an unbalanced
 * or odd text only makes the count a bound, which is all a refusal needs.
 */
export function nestingTooDeep(text: string, max = MAX_TEXT_NESTING): number | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = true;
      continue;
    }
    if (lineStart) {
      // indentation, then a run of `- ` or `? ` entries nests one level each
      let j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      let block = 0;
      while ((text[j] === '-' || text[j] === '?') && (text[j + 1] === ' ' || text[j + 1] === '\t')) {
        block++;
        j += 2;
        while (text[j] === ' ' || text[j] === '\t') j++;
      }
      lineStart = false;
      if (depth + block > max) return line;
      i = j - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      // a quoted scalar: to its closing quote (backslash escapes in "", '' in '')
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\\' && c === '"') i++;
        else if (text[i] === '\n') line++;
      }
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '[' || c === '{') {
      if (++depth > max) return line;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}
