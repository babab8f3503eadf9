/** A user's prompt file: each kind of bad input is named with its file and line. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPromptFile } from '../../src/data/prompt-file';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-prompts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const limits = { maxPromptChars: 40 };

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

test('a good file gives its rows, ids as strings, blank lines skipped', () => {
  const f = file(
    'good.jsonl',
    '{"id": 1, "prompt": "describe the ocean"}\n\n{"id": "b", "prompt": "tell me about the city"}\n',
  );
  expect(readPromptFile(f, limits)).toEqual([
    { id: '1', prompt: 'describe the ocean' },
    { id: 'b', prompt: 'tell me about the city' },
  ]);
});

test.each([
  ['malformed JSON', '{"id": 1, "prompt": "ok"}\n{"id": 2, "prompt": \n', ':2: not valid JSON'],
  ['a missing prompt', '{"id": 1}\n', ':1: field "prompt" must be a non-empty string'],
  ['a missing id', '{"prompt": "x"}\n', ':1: field "id" must be a string or a number'],
  ['not an object', '["id", "prompt"]\n', ':1: expected an object'],
  [
    'duplicate ids',
    '{"id": 1, "prompt": "a"}\n{"id": 2, "prompt": "b"}\n{"id": 1, "prompt": "c"}\n',
    ':3: duplicate id "1" (first on line 1)',
  ],
  [
    'a prompt over the size limit',
    `{"id": 1, "prompt": "${'x'.repeat(41)}"}\n`,
    ':1: prompt is 41 characters, over the limit of 40',
  ],
])('%s is reported with its line', (_what, content, expected) => {
  const f = file(`bad-${_what.replace(/\W+/g, '-')}.jsonl`, content);
  expect(() => readPromptFile(f, limits)).toThrow(`${f}${expected}`);
  try {
    readPromptFile(f, limits);
    throw new Error('expected a failure');
  } catch (err) {
    expect((err as Error).name).toBe('InvalidInputError');
    // Each problem on its own, for callers that prefix them with the config field.
    const problems = (err as { problems: string[] }).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${f}${expected}`);
  }
});

test('an empty prompt set is rejected', () => {
  const f = file('empty.jsonl', '\n\n');
  expect(() => readPromptFile(f, limits)).toThrow(`${f}: no prompts`);
});

test('invalid UTF-8 is rejected with the line it is on', () => {
  const f = file(
    'latin1.jsonl',
    Buffer.concat([
      Buffer.from('{"id": 1, "prompt": "fine"}\n{"id": 2, "prompt": "caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n'),
    ]),
  );
  expect(() => readPromptFile(f, limits)).toThrow(`${f}:2: invalid UTF-8`);
});

test('a missing file names the path', () => {
  expect(() => readPromptFile(path.join(dir, 'nope.jsonl'), limits)).toThrow(
    /cannot read prompt file .*nope\.jsonl/,
  );
});
