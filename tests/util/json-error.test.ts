/** JSON syntax errors by place and expectation: the scanner agrees with JSON.parse and never quotes. */
import { findJsonSyntaxError, lineColumn, parseJson } from '../../src/util/json-error';
import { Rng } from '../../src/util/rng';

test.each([
  ['sk-SECRET', 1, 1, 'expected a value'],
  ['', 1, 1, 'unexpected end of input'],
  ['{"id": 2, "prompt": ', 1, 21, 'unexpected end of input'],
  ['{\n  "rounds": 1,\n  "seed": 7,,\n}\n', 3, 13, 'expected a property name in double quotes'],
  ['[1,]', 1, 4, 'expected a value'],
  ['[1 2]', 1, 4, "expected ',' or ']'"],
  ['{"a":1 "b"}', 1, 8, "expected ',' or '}'"],
  ['{"a" 1}', 1, 6, "expected ':'"],
  ['01', 1, 2, 'expected the end of input after the value'],
  ['1.e', 1, 3, 'expected a digit'],
  ['-x', 1, 2, 'expected a digit'],
  ['"a\\qb"', 1, 4, 'invalid escape in a string'],
  ['"\\u12G4"', 1, 6, 'expected four hex digits after \\u'],
  ['"a\tb"', 1, 3, 'control character in a string (it must be escaped)'],
  ['trux', 1, 4, 'expected true, false or null'],
  ['"😀😀" x', 1, 6, 'expected the end of input after the value'],
])('%j fails at %i:%i: %s', (text, line, column, problem) => {
  expect(() => JSON.parse(text)).toThrow();
  expect(parseJson(text, 'f.json')).toEqual({
    ok: false,
    message: `f.json:${line}:${column}: not valid JSON: ${problem}`,
  });
});

test('a line of a JSON Lines file is numbered from where it starts', () => {
  expect(parseJson('{"a": nope}', 'data.jsonl', 7)).toEqual({
    ok: false,
    message: 'data.jsonl:7:8: not valid JSON: expected true, false or null',
  });
  expect(parseJson('{"a": [1, {"b": null}]}', 'data.jsonl', 7)).toEqual({
    ok: true,
    value: { a: [1, { b: null }] },
  });
});

test('deep nesting is scanned without recursion', () => {
  expect(findJsonSyntaxError(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)).toBeUndefined();
  expect(findJsonSyntaxError(`${'['.repeat(200_000)}}`)).toEqual({
    offset: 200_000,
    problem: 'expected a value',
  });
});

test('lines end at \\n and columns count characters, not UTF-16 units', () => {
  expect(lineColumn('ab\r\ncd', 5)).toEqual({ line: 2, column: 2 });
  expect(lineColumn('😀x', 2)).toEqual({ line: 1, column: 2 });
});

test('the scanner accepts exactly what JSON.parse accepts (random edits of valid JSON)', () => {
  const rng = new Rng(7);
  const seeds = [
    '{"id": "p1", "prompt": "describe the ocean", "n": -1.5e+3, "ok": [true, false, null]}',
    '[0, 10, -0.25, 1E5, "a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9", {}, [], {"x": {"y": []}}]',
    ' \t\n"just a string" \r\n',
  ];
  const alphabet = [...'{}[],:"\\ \t\n0123456789-+.eEtrufalsn\u0001xé😀'];
  let disagreements = 0;
  for (let k = 0; k < 5_000; k++) {
    const chars = [...(seeds[k % seeds.length] as string)];
    for (let edits = 1 + rng.int(3); edits > 0; edits--) {
      const at = rng.int(chars.length + 1);
      const c = rng.pick(alphabet);
      const op = rng.next();
      if (op < 0.4) chars.splice(at, 1);
      else if (op < 0.8) chars.splice(at, 0, c);
      else chars.splice(at, 1, c);
    }
    const text = chars.join('');
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    const found = findJsonSyntaxError(text);
    if (valid !== (found === undefined)) disagreements++;
    if (found) expect(found.offset).toBeLessThanOrEqual(text.length);
  }
  expect(disagreements).toBe(0);
});
