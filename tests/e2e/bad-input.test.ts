/**
 * Bad input, end to end as a user meets it: `rlaif start --config FILE --wait` against a real dev
 * server and a worker process. Every case must fail at once with a message that names the file
 * and line (or the config field): in the CLI before anything starts, or, for input only the
 * worker can see, as a non-retryable failure on the first attempt of the first activity that
 * reads it, with nothing already committed to the artifact store lost.
 *
 * "Worker-side" cases give relative paths that exist in the worker's folder but not in the
 * CLI's, as when the worker runs on another machine: the CLI notes it cannot check them and the
 * run's prepare activity must.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { RunConfigInput } from '../../src/config/schema';
import { runKeyFor } from '../../src/store/artifact';
import { LocalArtifactStore } from '../../src/store/local-store';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { smallConfig } from '../helpers/run-env';
import { tinyClassifier, tinyWeights, tokenizerJson } from '../helpers/tiny-hf-model';
import { runCli as runCliIn, spawnWorker, type WorkerProcess } from '../helpers/worker-process';

let server: TestServer;
let client: Client;
let dir: string;
/** The CLI's working folder: it has none of the worker-side files. */
let clientDir: string;
/** The worker's working folder: relative paths in worker-side configs resolve here. */
let workerDir: string;
let storeRoot: string;
let worker: WorkerProcess;

/** One line per case for the table printed at the end, in the order the cases are listed. */
const seen: Array<{ name: string; where: string; message: string; order: number }> = [];
let cases = 0;

/** The CLI as a user runs it, from the client's folder, against the test's server. */
const runCli = (args: string[]) =>
  runCliIn(args, { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' }, { cwd: clientDir });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-bad-input-'));
  clientDir = path.join(dir, 'client');
  workerDir = path.join(dir, 'worker');
  storeRoot = path.join(dir, 'store');
  for (const d of [clientDir, workerDir, path.join(workerDir, 'inputs')])
    fs.mkdirSync(d, { recursive: true });
  server = await startTestServer();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  // One user's machine: the configs give paths and trainer commands inline.
  worker = spawnWorker(server.address, storeRoot, {
    cwd: workerDir,
    extraArgs: ['--log-level', 'WARN', '--trust-run-configs'],
  });
});

afterAll(async () => {
  if (seen.length > 0) {
    const width = Math.max(...[...seen].sort((a, b) => a.order - b.order).map((s) => s.name.length));
    console.log(
      `bad input -> message (${seen.length} cases)\n` +
        [...seen]
          .sort((a, b) => a.order - b.order)
          .map((s) => `${s.name.padEnd(width)}  ${s.where.padEnd(7)}  ${s.message}`)
          .join('\n'),
    );
  }
  await worker?.kill('SIGTERM');
  await client?.connection.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a file under the test folder and returns its absolute path. */
function write(rel: string, content: string | Uint8Array): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** Writes a file in the worker's folder only; returns the path relative to it. */
function writeOnWorker(rel: string, content: string | Uint8Array): string {
  fs.writeFileSync(path.join(workerDir, rel), content);
  return rel;
}

const promptLines = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `${prefix}${i}`, prompt: `describe the ocean ${i}` }),
  );

/** Bad prompt files, each with the problem the reader must report for it. */
const PROMPT_FILES: Array<{ name: string; content: string | Buffer; problem: string }> = [
  {
    name: 'malformed JSONL',
    content: `${promptLines(1, 'p').join('\n')}\n{"id": "p1", "prompt": \n`,
    problem: ':2:24: not valid JSON: unexpected end of input',
  },
  { name: 'an empty prompt set', content: '\n\n', problem: ': no prompts (the file is empty)' },
  {
    name: 'duplicate prompt ids',
    content: [...promptLines(2, 'p'), JSON.stringify({ id: 'p0', prompt: 'again' })].join('\n'),
    problem: ':3: duplicate id (first on line 1)',
  },
  {
    name: 'a prompt over the size limit',
    content: [...promptLines(1, 'p'), JSON.stringify({ id: 'long', prompt: 'x'.repeat(41) })].join('\n'),
    problem: ':2: prompt is 41 characters, over the limit of 40 (data.maxPromptChars)',
  },
  {
    name: 'invalid UTF-8',
    content: Buffer.concat([
      Buffer.from(`${promptLines(1, 'p').join('\n')}\n{"id": "latin1", "prompt": "caf`),
      Buffer.from([0xe9]),
      Buffer.from('"}\n'),
    ]),
    problem: ':2: invalid UTF-8',
  },
];

/** A config whose train prompts are `trainFile` (held-out prompts are fine). */
function promptConfig(trainFile: string, evalFile: string): RunConfigInput {
  return tiny({
    data: { kind: 'jsonl', trainFile, evalFile, maxPromptChars: 40, sftExamples: 300 },
  });
}

function onnxConfig(modelFile: string, tokenizerFile: string): RunConfigInput {
  return tiny({ rewardModel: { kind: 'onnx', modelFile, tokenizerFile, epochs: 30 } });
}

function writeConfig(name: string, config: RunConfigInput | string): string {
  return write(`configs/${name}.json`, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
}

/**
 * A small one-round config. Three attempts at most: were a case retried, the test would see
 * attempt 3 within seconds rather than wait out the default twenty.
 */
function tiny(overrides: RunConfigInput = {}): RunConfigInput {
  return smallConfig({ rounds: 1, ...overrides, timeouts: { heartbeatSeconds: 3, maxAttempts: 3 } });
}

const slug = (name: string) => name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** The lines of `text` holding the expected parts, for the table. */
function linesWith(text: string, expected: readonly string[]): string {
  const lines = expected.map((e) => (text.split('\n').find((l) => l.includes(e)) ?? '').trim());
  const t = [...new Set(lines)].join(' / ');
  return t.length > 240 ? `${t.slice(0, 237)}...` : t;
}

/** A case the CLI must refuse before it starts anything: exit code 2, the message on stderr. */
async function expectRefusedByCli(name: string, config: RunConfigInput | string, expected: string[]) {
  const order = cases++;
  const file = writeConfig(slug(name), config);
  const id = `bad-cli-${slug(name)}`;
  const out = await runCli(['start', '--config', file, '--id', id, '--wait']);
  expect({ name, code: out.code }).toEqual({ name, code: 2 });
  for (const e of expected) expect(out.stderr).toContain(e);
  expect(out.stderr).not.toContain('    at '); // a message, not a stack trace
  // Nothing started: no workflow, nothing in the store.
  await expect(client.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  expect(fs.existsSync(path.join(storeRoot, 'runs', runKeyFor(id)))).toBe(false);
  seen.push({ name, where: 'cli', message: linesWith(out.stderr, expected), order });
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The failed activity of a failed run: found in its own history or in its failed round's. */
async function failedActivity(
  workflowId: string,
  runId?: string,
): Promise<{ workflowId: string; events: HistoryEvent[]; failed: HistoryEvent }> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const failed = events.find((e) => e.activityTaskFailedEventAttributes);
  if (failed) return { workflowId, events, failed };
  const child = events.find((e) => e.childWorkflowExecutionFailedEventAttributes)
    ?.childWorkflowExecutionFailedEventAttributes?.workflowExecution;
  if (!child?.workflowId) throw new Error(`workflow ${workflowId} has no failed activity or round`);
  return failedActivity(child.workflowId, child.runId ?? undefined);
}

/**
 * A case that fails inside the run: the CLI exits non-zero with the message; the workflow failed
 * on the first attempt of `activity`, marked non-retryable.
 */
async function expectFailedRun(
  name: string,
  config: RunConfigInput,
  activity: string,
  expected: string[],
  note?: string,
): Promise<string> {
  const order = cases++;
  const file = writeConfig(slug(name), config);
  const id = `bad-run-${slug(name)}`;
  const out = await runCli(['start', '--config', file, '--id', id, '--wait']);
  expect({ name, code: out.code }).toEqual({ name, code: 1 });
  if (note) expect(out.stderr).toContain(`[rlaif] note: ${note}`);
  for (const e of expected) expect(out.stderr).toContain(e);
  // Where it failed and that it was not retried, instead of "WorkflowFailedError" and a stack,
  // and what to do next.
  expect(out.stderr).toMatch(
    new RegExp(
      `rlaif: run ${id} failed (?:in round \\d+, |before the first round, |in )stage \\S+, activity rlaif\\.${activity} \\(not retried: a retry cannot fix it\\):\\n`,
    ),
  );
  expect(out.stderr).toContain(`\nnext: fix what the message names, then "rlaif resume ${id}"`);
  expect(out.stderr).not.toContain('WorkflowFailedError');
  expect((await client.workflow.getHandle(id).describe()).status.name).toBe('FAILED');

  const { events, failed } = await failedActivity(id);
  const scheduledId = failed.activityTaskFailedEventAttributes?.scheduledEventId;
  const scheduled = events.find((e) => String(e.eventId) === String(scheduledId));
  expect(scheduled?.activityTaskScheduledEventAttributes?.activityType?.name).toBe(`rlaif.${activity}`);
  const started = events.filter(
    (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduledId),
  );
  // No retry loop: the one attempt that ran was the first, and its failure says not to retry.
  expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
  const failure = failed.activityTaskFailedEventAttributes?.failure;
  expect(failure?.applicationFailureInfo?.nonRetryable).toBe(true);
  for (const e of expected) expect(failure?.message).toContain(e);
  seen.push({ name, where: activity, message: linesWith(out.stderr, expected), order });
  return id;
}

/** Every commit in the store is still there and its bytes match their checksum. */
async function expectStoreIntact(keys: readonly string[]): Promise<void> {
  const store = new LocalArtifactStore(storeRoot);
  for (const key of keys) {
    const ref = await store.get(key);
    expect({ key, committed: ref !== undefined }).toEqual({ key, committed: true });
    await store.readBytes(ref as NonNullable<typeof ref>); // throws on a checksum mismatch
  }
}

test('a bad config is refused before anything starts, naming the file and line or the field', async () => {
  const cases: Array<[string, RunConfigInput | string, (file: string) => string[]]> = [
    [
      'config file that is not JSON',
      '{\n  "rounds": 1,\n  "seed": 7,,\n}\n',
      (f) => [`${f}:3:13: not valid JSON: expected a property name in double quotes`],
    ],
    [
      'config with an unknown field',
      tiny({ generate: { temprature: 0.7 } as never }),
      (f) => [`Invalid ${f}`, 'generate: unknown field "temprature"'],
    ],
    [
      'config with a wrong type',
      smallConfig({ rounds: 'one' as never }),
      (f) => [`Invalid ${f}`, 'rounds: Invalid input: expected number, received string'],
    ],
    [
      'endpoint URL that is not a URL',
      tiny({
        judge: { kind: 'llm', endpoint: 'judge' },
        endpoints: { judge: { baseURL: 'localhost:8000/v1', model: 'tiny-judge' } },
      }),
      (f) => [`Invalid ${f}`, 'endpoints.judge.baseURL: baseURL must be an http(s) URL'],
    ],
  ];
  for (const [name, config, expected] of cases) {
    await expectRefusedByCli(name, config, expected(path.join(dir, 'configs', `${slug(name)}.json`)));
  }
});

test('bad prompt files, human labels, model files and trainer commands the CLI can see are refused by it', async () => {
  const evalFile = write('inputs/eval.jsonl', promptLines(4, 'e').join('\n'));
  const cases: Array<[string, RunConfigInput, string[]]> = PROMPT_FILES.map(({ name, content, problem }) => {
    const f = write(`inputs/${slug(name)}.jsonl`, content);
    return [name, promptConfig(f, evalFile), [`data.trainFile: ${f}${problem}`]];
  });
  const labels = write(
    'inputs/labels.jsonl',
    '{"prompt": "p", "chosen": "a", "rejected": "b"}\n{"prompt": "q", "a": 1\n',
  );
  cases.push([
    'human labels with a bad line',
    tiny({ judge: { humanLabels: labels } }),
    [
      `judge.humanLabels: ${labels}: 1 bad line(s):`,
      `${labels}:2:23: not valid JSON: unexpected end of input`,
    ],
  ]);
  const tokenizer = write('model/tokenizer.json', JSON.stringify(tokenizerJson()));
  const text = write('model/not-onnx.onnx', 'this is a tokenizer.json, not a model\n');
  cases.push([
    'model file that is not ONNX',
    onnxConfig(text, tokenizer),
    [`rewardModel.modelFile: ${text} is not an ONNX model`],
  ]);
  const renamed = write('model/renamed-inputs.onnx', tinyClassifier(tinyWeights(3), { rename: 'ids' }));
  cases.push([
    'ONNX model whose inputs do not match',
    onnxConfig(renamed, tokenizer),
    [`rewardModel.modelFile: ${renamed}: the model's inputs do not match`, 'input "input_ids" is missing'],
  ]);
  const script = write('trainers/not-executable.sh', '#!/bin/sh\nexit 0\n');
  fs.chmodSync(script, 0o644);
  cases.push([
    'trainer command that is not executable',
    tiny({ preset: 'external', policy: { trainer: { command: [script] } } }),
    [`policy.trainer.command[0]: trainer command "${script}" (${script}) is not executable`],
  ]);
  for (const [name, config, expected] of cases) await expectRefusedByCli(name, config, expected);
});

test('a trainer that exits non-zero on its first line fails the stage once, keeping what the round committed', async () => {
  const script = write('trainers/broken-trainer.js', "require('trl-is-not-installed');\n");
  const id = await expectFailedRun(
    'trainer that exits non-zero on its first line',
    tiny({
      preset: 'external',
      policy: {
        optimizer: { steps: 4, promptsPerStep: 8 },
        trainer: { command: [process.execPath, script] },
      },
    }),
    'optimizePolicy',
    [`exited with code 1 before it reported any progress`, `${script}:1`],
  );
  // The work before the failed stage is committed and intact: prepare, generate and judge.
  const runKey = runKeyFor(id);
  const committed = [
    ...new Set((await new LocalArtifactStore(storeRoot).commitLog()).map((c) => c.key)),
  ].filter((k) => k.startsWith(`runs/${runKey}/`));
  for (const part of [
    'prepare/train-prompts.jsonl',
    'prepare/initial-policy.onnx',
    'round-0001/generate/',
    'round-0001/judge/',
  ])
    expect({ part, found: committed.some((k) => k.includes(part)) }).toEqual({ part, found: true });
  await expectStoreIntact(committed);
});

test('input only the worker can see fails its first activity once, non-retryably, naming file and line', async () => {
  // Relative paths that resolve in the worker's folder only, as on a worker on another machine.
  const evalFile = writeOnWorker('inputs/eval.jsonl', promptLines(4, 'e').join('\n'));
  const tokenizer = writeOnWorker('inputs/tokenizer.json', JSON.stringify(tokenizerJson()));
  const noteFor = (field: string, p: string) =>
    `${field}: file ${p} is not on this machine; the worker checks it`;
  const runs: Array<Promise<string>> = [];
  for (const { name, content, problem } of PROMPT_FILES) {
    const f = writeOnWorker(`inputs/${slug(name)}.jsonl`, content);
    runs.push(
      expectFailedRun(
        `${name} (worker)`,
        promptConfig(f, evalFile),
        'prepare',
        [`${f}${problem}`],
        noteFor('data.trainFile', f),
      ),
    );
  }
  const labels = writeOnWorker('inputs/labels.jsonl', '{"prompt": "p", "chosen": "a"}\n');
  runs.push(
    expectFailedRun(
      'human labels with a bad line (worker)',
      tiny({ judge: { humanLabels: labels } }),
      'prepare',
      [
        `judge.humanLabels: ${labels}: 1 bad line(s):`,
        `${labels}:1: "chosen" and "rejected" must both be non-empty strings`,
      ],
      noteFor('judge.humanLabels', labels),
    ),
  );
  const renamed = writeOnWorker('inputs/float-ids.onnx', tinyClassifier(tinyWeights(3), { floatIds: true }));
  runs.push(
    expectFailedRun(
      'ONNX model whose inputs do not match (worker)',
      onnxConfig(renamed, tokenizer),
      'prepare',
      [
        `rewardModel.modelFile: ${renamed}: the model's inputs do not match`,
        'input "input_ids" is float32 of rank 2, expected int64',
      ],
      noteFor('rewardModel.modelFile', renamed),
    ),
  );
  // Missing everywhere: the CLI notes it cannot check them; the worker names them.
  const goodModel = write('model/good.onnx', tinyClassifier(tinyWeights(3)));
  const missingTokenizer = path.join(dir, 'model', 'missing', 'tokenizer.json');
  runs.push(
    expectFailedRun(
      'tokenizer file missing for the ONNX reward model',
      onnxConfig(goodModel, missingTokenizer),
      'prepare',
      [`rewardModel.tokenizerFile: cannot read the tokenizer file ${missingTokenizer}: ENOENT`],
      noteFor('rewardModel.tokenizerFile', missingTokenizer),
    ),
  );
  const missingPrompts = path.join(dir, 'inputs', 'no-such-prompts.jsonl');
  runs.push(
    expectFailedRun(
      'missing prompt file',
      promptConfig(missingPrompts, path.join(workerDir, evalFile)),
      'prepare',
      [`cannot read prompt file ${missingPrompts}: ENOENT`],
      noteFor('data.trainFile', missingPrompts),
    ),
  );
  runs.push(
    expectFailedRun(
      'trainer command that does not exist',
      tiny({ preset: 'external', policy: { trainer: { command: ['rlaif-no-such-trainer', '--flag'] } } }),
      'prepare',
      ['policy.trainer.command[0]: trainer command "rlaif-no-such-trainer" was not found on PATH'],
      'policy.trainer.command[0]: command rlaif-no-such-trainer is not on this machine; the worker checks it',
    ),
  );
  const before = await new LocalArtifactStore(storeRoot).commitLog();
  const ids = await Promise.all(runs);
  // They failed before committing anything: no half-written run, and what the store held before
  // (the trainer case's round) is all there and verifies.
  for (const id of ids) expect(fs.existsSync(path.join(storeRoot, 'runs', runKeyFor(id)))).toBe(false);
  expect(await new LocalArtifactStore(storeRoot).commitLog()).toEqual(before);
  await expectStoreIntact(before.map((c) => c.key));
});
