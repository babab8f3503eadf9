/** A user's prompt file: each kind of bad input is named with its file and line; reading is bounded. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_LINE_BYTES, MAX_LINE_FILE_BYTES } from '../../src/data/line-file';
import { readPromptFile } from '../../src/data/prompt-file';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-prompts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const limits = { maxPromptChars: 40 };

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

/** A valid prompt file of `n` lines. */
const manyPrompts = (n: number) =>
  Array.from({ length: n }, (_, i) => `{"id": ${i}, "prompt": "describe the ocean ${i % 97}"}`).join('\n');

test('a good file gives its rows, ids as strings, blank lines and CRLF endings handled', async () => {
  const f = file(
    'good.jsonl',
    '{"id": 1, "prompt": "describe the ocean"}\r\n\n{"id": "b", "prompt": "tell me about the city"}\n',
  );
  expect(await readPromptFile(f, limits)).toEqual([
    { id: '1', prompt: 'describe the ocean' },
    { id: 'b', prompt: 'tell me about the city' },
  ]);
});

test.each([
  [
    'malformed JSON',
    '{"id": 1, "prompt": "ok"}\n{"id": 2, "prompt": \n',
    ':2:21: not valid JSON: unexpected end of input',
  ],
  ['a missing prompt', '{"id": 1}\n', ':1: field "prompt" must be a non-empty string'],
  ['a missing id', '{"prompt": "x"}\n', ':1: field "id" must be a string or a number'],
  ['not an object', '["id", "prompt"]\n', ':1: expected an object'],
  [
    'duplicate ids',
    '{"id": 1, "prompt": "a"}\n{"id": 2, "prompt": "b"}\n{"id": 1, "prompt": "c"}\n',
    ':3: duplicate id (first on line 1)',
  ],
  [
    'a prompt over the size limit',
    `{"id": 1, "prompt": "${'x'.repeat(41)}"}\n`,
    ':1: prompt is 41 characters, over the limit of 40',
  ],
])('%s is reported with its line', async (_what, content, expected) => {
  const f = file(`bad-${_what.replace(/\W+/g, '-')}.jsonl`, content);
  const err = await readPromptFile(f, limits).catch((e: unknown) => e);
  expect(err).toMatchObject({
    name: 'InvalidInputError',
    message: expect.stringContaining(`${f}${expected}`),
  });
  // Each problem on its own, for callers that prefix them with the config field.
  const problems = (err as { problems: string[] }).problems;
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain(`${f}${expected}`);
});

test('many bad lines: the first ten are listed, then how many more', async () => {
  const f = file('all-bad.jsonl', 'x\n'.repeat(25));
  const err = (await readPromptFile(f, limits).catch((e: unknown) => e)) as { problems: string[] };
  expect(err.problems).toHaveLength(11);
  expect(err.problems[10]).toBe(`${f}: … and 15 more problems`);
});

test('an empty prompt set is rejected', async () => {
  const f = file('empty.jsonl', '\n\n');
  await expect(readPromptFile(f, limits)).rejects.toThrow(`${f}: no prompts`);
});

test('invalid UTF-8 is rejected with the line it is on', async () => {
  const f = file(
    'latin1.jsonl',
    Buffer.concat([
      Buffer.from('{"id": 1, "prompt": "fine"}\n{"id": 2, "prompt": "caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n'),
    ]),
  );
  await expect(readPromptFile(f, limits)).rejects.toThrow(`${f}:2: invalid UTF-8`);
});

test('a missing file names the path', async () => {
  await expect(readPromptFile(path.join(dir, 'nope.jsonl'), limits)).rejects.toThrow(
    /cannot read prompt file .*nope\.jsonl/,
  );
});

describe('bounded reading', () => {
  test('a file over the size limit is refused by its size, naming the file and the limit', async () => {
    // Sparse: stat says 257 MiB without the bytes being written (or read).
    const big = path.join(dir, 'huge.jsonl');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, MAX_LINE_FILE_BYTES + 1024 * 1024);
    await expect(readPromptFile(big, limits)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: `${big}: the prompt file is 257 MiB, over the limit of 256 MiB`,
    });
    const small = file('small-limit.jsonl', manyPrompts(100));
    await expect(readPromptFile(small, limits, { maxBytes: 1000 })).rejects.toThrow(
      /small-limit\.jsonl: the prompt file is \d+ bytes, over the limit of 1000 bytes$/,
    );
  });

  test('a file with too many lines, or one line too long, is refused', async () => {
    const f = file('lines.jsonl', manyPrompts(50));
    await expect(readPromptFile(f, limits, { maxLines: 49 })).rejects.toThrow(
      `${f}: the prompt file has more than 49 lines, the limit`,
    );
    expect(await readPromptFile(f, limits, { maxLines: 50 })).toHaveLength(50);
    const long = file('long-line.jsonl', `{"id": 1, "prompt": "ok"}\n${'x'.repeat(MAX_LINE_BYTES + 1)}\n`);
    await expect(readPromptFile(long, limits)).rejects.toThrow(
      `${long}:2: the line is longer than the limit of 16 MiB`,
    );
  });

  test('a large file is read without blocking the event loop', async () => {
    const f = file('large.jsonl', manyPrompts(200_000));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const rows = await readPromptFile(f, { maxPromptChars: 100 });
      expect(rows).toHaveLength(200_000);
    } finally {
      clearInterval(timer);
    }
    // A synchronous read and parse would finish before the timer ever ran.
    expect(ticks).toBeGreaterThan(2);
  });

  test('an aborted signal stops the read, before it starts or while it runs', async () => {
    const f = file('to-abort.jsonl', manyPrompts(200_000));
    await expect(readPromptFile(f, limits, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 5);
    await expect(
      readPromptFile(f, { maxPromptChars: 100 }, { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(controller.signal.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
