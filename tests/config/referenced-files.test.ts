/** The files a config names, checked before any work: each bad one reported by its field, file and line. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { parseRunConfig } from '../../src/config/parse';
import { checkReferencedFiles, readOnAnotherQueue, referencedFiles } from '../../src/config/referenced-files';
import type { RunConfigInput } from '../../src/config/schema';
import { tinyClassifier, tinyWeights, tokenizerJson } from '../helpers/tiny-hf-model';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-refs-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

const config = (input: RunConfigInput) => parseRunConfig(input);
const good = () => file('good.jsonl', '{"id": 1, "prompt": "describe the ocean"}\n');

test('every bad file is one problem per bad line, prefixed by its config field', async () => {
  const train = file('train.jsonl', '{"id": 1, "prompt": "a"}\n{"id": 1, "prompt": "b"}\nnot json\n');
  const labels = file('labels.jsonl', '{"prompt": "p"}\n');
  const err = await checkReferencedFiles(
    config({
      data: { kind: 'jsonl', trainFile: train, evalFile: good() },
      judge: { humanLabels: labels },
    }),
    { source: 'run.json', missing: 'fail' },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).problems).toEqual([
    `data.trainFile: ${train}:2: duplicate id (first on line 1)`,
    `data.trainFile: ${train}:3:2: not valid JSON: expected true, false or null`,
    expect.stringMatching(
      new RegExp(`^judge\\.humanLabels: ${labels}: 1 bad line\\(s\\):\\n\\s+${labels}:1: expected`),
    ),
  ]);
  expect((err as Error).message).toMatch(/^Bad input named by run\.json:\n {2}- data\.trainFile: /);
});

test('a file this machine lacks is a note for the CLI and an error for the worker', async () => {
  const tokenizer = file('tokenizer.json', JSON.stringify(tokenizerJson()));
  const missing = path.join(dir, 'nowhere', 'model.onnx');
  const c = config({
    rewardModel: { kind: 'onnx', modelFile: missing, tokenizerFile: tokenizer },
    preset: 'external',
    stages: undefined,
    policy: { trainer: { command: ['rlaif-no-such-trainer'] } },
  });
  // The external preset has no reward-model stage: its model file is not read, so not checked.
  expect(referencedFiles(c).map((u) => u.field)).toEqual(['policy.trainer.command[0]']);
  const classic = config({ rewardModel: { kind: 'onnx', modelFile: missing, tokenizerFile: tokenizer } });
  expect(await checkReferencedFiles(classic, { source: 'run.json', missing: 'note' })).toEqual({
    notes: [`rewardModel.modelFile: file ${missing} is not on this machine; the worker checks it`],
  });
  await expect(checkReferencedFiles(classic, { source: 'run.json', missing: 'fail' })).rejects.toThrow(
    `rewardModel.modelFile: cannot read the reward model file ${missing}`,
  );
  expect(await checkReferencedFiles(c, { source: 'run.json', missing: 'note' })).toEqual({
    notes: [
      'policy.trainer.command[0]: command rlaif-no-such-trainer is not on this machine; the worker checks it',
    ],
  });
});

test('good files pass; skip leaves out the uses a worker does not read', async () => {
  const tokenizer = file('tok.json', JSON.stringify(tokenizerJson()));
  const model = file('model.onnx', tinyClassifier(tinyWeights(2)));
  const c = config({
    data: { kind: 'jsonl', trainFile: good(), evalFile: good() },
    rewardModel: { kind: 'onnx', modelFile: model, tokenizerFile: tokenizer },
  });
  expect(await checkReferencedFiles(c, { source: 'run.json', missing: 'fail' })).toEqual({ notes: [] });
  const routed = config({
    rewardModel: { kind: 'onnx', modelFile: file('text.onnx', 'not a model'), tokenizerFile: tokenizer },
    taskQueues: { 'train-reward': 'gpu' },
  });
  // A worker of the workflow's queue leaves the files of stages routed elsewhere to their workers.
  const skip = readOnAnotherQueue(routed);
  expect(await checkReferencedFiles(routed, { source: 'run.json', missing: 'fail', skip })).toEqual({
    notes: [],
  });
  await expect(checkReferencedFiles(routed, { source: 'run.json', missing: 'fail' })).rejects.toThrow(
    /rewardModel\.modelFile: .*text\.onnx is not an ONNX model/,
  );
});
