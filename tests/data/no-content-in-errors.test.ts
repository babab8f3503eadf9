/**
 * A config can point the worker at any file it can read, and the errors about that file end up in
 * workflow history. These tests point every reader at a "secret" and check that the error names
 * the place (file, line, column) and what was expected, and that no part of the secret leaks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRunConfigFile } from '../../src/config/load';
import { parseRunConfig } from '../../src/config/parse';
import { checkReferencedFiles } from '../../src/config/referenced-files';
import { readPromptFile } from '../../src/data/prompt-file';
import { readHumanPairs } from '../../src/judges/human-agreement';
import { checkUserOnnxModelFile, HfTokenizer } from '../../src/reward/user-onnx-reward';
import { tokenizerJson } from '../helpers/tiny-hf-model';

const CANARY = 'sk-SECRET-CANARY-123';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-secrets-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** The error `run` fails with, checked to hold no part of the canary (the file's own path aside). */
async function leakFreeError(run: () => Promise<unknown>, file: string): Promise<string> {
  const err = await run().then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error & { problems?: readonly string[] },
  );
  const text = [err.message, ...(err.problems ?? [])].join('\n').split(file).join('<file>');
  // The secret whole, each part of it, and the quoted first character V8 would show.
  for (const part of [CANARY, 'sk-', 'SECRET', 'CANARY', '123', "'s'", '"s"']) {
    expect({ text, leaks: text.includes(part) }).toEqual({ text, leaks: false });
  }
  return text;
}

const limits = { maxPromptChars: 1000 };

describe('prompt files', () => {
  test('a secret that is not JSON is named by file:line:column only', async () => {
    const f = file('secret.txt', `${CANARY}\nsecond line of the secret\n`);
    const text = await leakFreeError(() => readPromptFile(f, limits), f);
    expect(text).toContain('<file>:1:1: not valid JSON: expected a value');
    expect(text).toContain('<file>:2:1: not valid JSON: expected a value');
  });

  test.each([
    [
      'an id of the wrong type',
      `{"id": {"key": "${CANARY}"}, "prompt": "p"}`,
      ':1: field "id" must be a string or a number',
    ],
    [
      'a prompt of the wrong type',
      `{"id": 1, "prompt": ["${CANARY}"]}`,
      ':1: field "prompt" must be a non-empty string',
    ],
    [
      'a duplicate id',
      `{"id": "${CANARY}", "prompt": "a"}\n{"id": "${CANARY}", "prompt": "b"}`,
      ':2: duplicate id (first on line 1)',
    ],
    [
      'a syntax error after the secret',
      `{"id": "${CANARY}", "prompt": nope}`,
      ':1:43: not valid JSON: expected true, false or null',
    ],
    ['an object that is not a prompt', `["${CANARY}"]`, ':1: expected an object'],
  ])('%s does not echo the value', async (name, content, expected) => {
    const f = file(`prompts-${name.replace(/\W+/g, '-')}.jsonl`, `${content}\n`);
    expect(await leakFreeError(() => readPromptFile(f, limits), f)).toContain(`<file>${expected}`);
  });

  test('through the check a worker runs before any work, whose error goes to workflow history', async () => {
    const secret = file('history/secret.txt', `${CANARY}\n`);
    const good = file('history/good.jsonl', '{"id": 1, "prompt": "describe the ocean"}\n');
    const config = parseRunConfig({ data: { kind: 'jsonl', trainFile: secret, evalFile: good } });
    const text = await leakFreeError(
      () => checkReferencedFiles(config, { source: 'the run config', missing: 'fail' }),
      secret,
    );
    expect(text).toContain('data.trainFile: <file>:1:1: not valid JSON: expected a value');
  });
});

describe('human labels', () => {
  test('a secret that is not JSON, or a label holding one, is named by place only', async () => {
    const secret = file('labels/secret.txt', `${CANARY}\n`);
    expect(await leakFreeError(() => readHumanPairs(secret), secret)).toContain(
      '<file>:1:1: not valid JSON: expected a value',
    );
    const labels = file(
      'labels/bad-label.jsonl',
      `{"prompt": "p", "a": "x", "b": "y", "label": "${CANARY}"}\n{"prompt": "${CANARY}", "chosen": 7, "rejected": "r"}\n`,
    );
    const text = await leakFreeError(() => readHumanPairs(labels), labels);
    expect(text).toContain('<file>:1: "label" must be "a", "b", 1, 2 or "tie"');
    expect(text).toContain('<file>:2: "chosen" and "rejected" must both be non-empty strings');
  });
});

describe('a reward model and its tokenizer', () => {
  test('a secret as tokenizer.json, or as its tokenizer_config.json, is named by place only', async () => {
    const secret = file('tok-secret/tokenizer.json', `${CANARY}\n`);
    expect(await leakFreeError(() => HfTokenizer.load(secret), secret)).toBe(
      '<file>:1:1: not valid JSON: expected a value (the tokenizer file)',
    );
    file('tok-config/tokenizer.json', JSON.stringify(tokenizerJson()));
    const config = file('tok-config/tokenizer_config.json', `{"pad_token": ${CANARY}}`);
    expect(
      await leakFreeError(() => HfTokenizer.load(path.join(dir, 'tok-config/tokenizer.json')), config),
    ).toBe('<file>:1:15: not valid JSON: expected a value (the tokenizer config)');
  });

  test('a tokenizer.json whose component types hold a secret is refused without echoing them', async () => {
    for (const key of ['model', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) {
      const f = file(
        `tok-${key}/tokenizer.json`,
        JSON.stringify({ ...(tokenizerJson() as object), [key]: { type: CANARY } }),
      );
      expect(await leakFreeError(() => HfTokenizer.load(f), f)).toMatch(
        /^<file> is not a tokenizer\.json this tokenizer can read: its \w+ is of a type this tokenizer does not support$/,
      );
    }
  });

  test('a secret as the model file is not an ONNX model, and its bytes are not shown', async () => {
    for (const [name, content] of [
      ['secret.onnx', `${CANARY}\n`],
      ['secret-lines.onnx', `API_KEY=${CANARY}\nOTHER=${CANARY}\n`],
    ] as const) {
      const f = file(`model/${name}`, content);
      expect(await leakFreeError(() => checkUserOnnxModelFile({ modelPath: f }), f)).toMatch(
        /^<file> is not an ONNX model \(/,
      );
    }
  });
});

test('a config file is parsed with the same helper and the same message', async () => {
  const f = file('config/run.json', `{\n  "rounds": 1,\n  "seed": ${CANARY}\n}\n`);
  expect(await leakFreeError(async () => loadRunConfigFile(f), f)).toBe(
    '<file>:3:11: not valid JSON: expected a value',
  );
});
