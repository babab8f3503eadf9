/**
 * JSON syntax errors that name a place and what was expected there, never what is there.
 *
 * A config may point a worker at any file it can read, and V8's JSON.parse messages quote the
 * input ("Unexpected token 's', "sk-…" is not valid JSON"), which would copy a secret into
 * workflow history. Node 20's messages also lack a position for some errors, so the position
 * comes from our own scan of the text, not from the message.
 */

/** Where a JSON text first breaks the grammar, and what the grammar expected there. */
export interface JsonSyntaxError {
  /** Offset in UTF-16 code units (text.length when the input ended early). */
  offset: number;
  /** What was expected, in words that never include text from the input. */
  problem: string;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const ESCAPES = new Set('"\\/bfnrt');

/**
 * The first syntax error of `text` under JSON.parse's grammar (RFC 8259), or undefined when it is
 * valid JSON. Iterative, so deep nesting cannot overflow the stack.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length;
  let i = 0;
  const at = (k: number): number => (k < n ? text.charCodeAt(k) : -1);
  const fail = (problem: string): JsonSyntaxError => ({
    offset: i,
    problem: i >= n ? 'unexpected end of input' : problem,
  });
  const skipSpace = (): void => {
    while (i < n && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const digits = (): JsonSyntaxError | undefined => {
    if (!isDigit(at(i))) return fail('expected a digit');
    while (isDigit(at(i))) i++;
    return undefined;
  };
  const number = (): JsonSyntaxError | undefined => {
    if (at(i) === 0x2d) i++; // '-'
    // A leading 0 stands alone ("01" is not a number).
    if (at(i) === 0x30) i++;
    else {
      const whole = digits();
      if (whole) return whole;
    }
    if (at(i) === 0x2e) {
      i++;
      const fraction = digits();
      if (fraction) return fraction;
    }
    if (at(i) !== 0x65 && at(i) !== 0x45) return undefined;
    i++;
    if (at(i) === 0x2b || at(i) === 0x2d) i++;
    return digits();
  };
  const string = (): JsonSyntaxError | undefined => {
    i++; // the opening quote
    for (;;) {
      const c = at(i);
      if (c === -1) return fail('unexpected end of input');
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail('control character in a string (it must be escaped)');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      i++; // the backslash
      if (ESCAPES.has(text[i] ?? '')) i++;
      else if (text[i] === 'u') {
        i++;
        for (let k = 0; k < 4; k++, i++) if (!isHex(at(i))) return fail('expected four hex digits after \\u');
      } else return fail('invalid escape in a string');
    }
  };
  const literal = (word: string): JsonSyntaxError | undefined => {
    for (let k = 0; k < word.length; k++, i++)
      if (text[i] !== word[k]) return fail('expected true, false or null');
    return undefined;
  };
  const key = (): JsonSyntaxError | undefined => {
    skipSpace();
    if (at(i) !== 0x22) return fail('expected a property name in double quotes');
    const bad = string();
    if (bad) return bad;
    skipSpace();
    if (at(i) !== 0x3a) return fail("expected ':'");
    i++;
    return undefined;
  };

  // Open containers, innermost last; a value is expected at the top of the loop.
  const open: Array<'{' | '['> = [];
  for (;;) {
    skipSpace();
    const c = text[i];
    let bad: JsonSyntaxError | undefined;
    if (c === '{' || c === '[') {
      i++;
      skipSpace();
      if (text[i] !== (c === '{' ? '}' : ']')) {
        open.push(c);
        bad = c === '{' ? key() : undefined;
        if (bad) return bad;
        continue;
      }
      i++; // an empty object or array is a whole value
    } else if (c === '"') bad = string();
    else if (c === '-' || isDigit(at(i))) bad = number();
    else if (c === 't') bad = literal('true');
    else if (c === 'f') bad = literal('false');
    else if (c === 'n') bad = literal('null');
    else return fail('expected a value');
    if (bad) return bad;
    // After a value: close what it ends, then expect the next value (or the end).
    for (;;) {
      skipSpace();
      const top = open[open.length - 1];
      if (top === undefined) return i < n ? fail('expected the end of input after the value') : undefined;
      if (text[i] === ',') {
        i++;
        bad = top === '{' ? key() : undefined;
        if (bad) return bad;
        break;
      }
      if (text[i] !== (top === '{' ? '}' : ']')) {
        return fail(top === '{' ? "expected ',' or '}'" : "expected ',' or ']'");
      }
      i++;
      open.pop();
    }
  }
}

/** 1-based line and column (in characters) of an offset; lines end at '\n'. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    start = nl + 1;
  }
  let column = 1;
  for (let k = start; k < offset; k++) {
    const c = text.charCodeAt(k);
    // The second half of a surrogate pair is the same character as the first.
    const low = c >= 0xdc00 && c <= 0xdfff && k > start && (text.charCodeAt(k - 1) & 0xfc00) === 0xd800;
    if (!low) column++;
  }
  return { line, column };
}

/**
 * JSON.parse that reports a syntax error as `source:line:column: not valid JSON: <expected>`.
 * `firstLine` is the line `text` starts on in `source` (a JSON Lines file parses line by line).
 */
export function parseJson(
  text: string,
  source: string,
  firstLine = 1,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    // The engine's message quotes the input: only our own description of the error is used.
    const found = findJsonSyntaxError(text) ?? { offset: 0, problem: 'rejected by the JSON parser' };
    const { line, column } = lineColumn(text, found.offset);
    return {
      ok: false,
      message: `${source}:${firstLine + line - 1}:${column}: not valid JSON: ${found.problem}`,
    };
  }
}
