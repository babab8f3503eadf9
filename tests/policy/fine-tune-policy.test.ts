/**
 * One round's DPO fine-tuning job against the protocol server, with a real fine-tuner: the job is
 * created once per key and rejoined by a second attempt; a job the service failed is replaced
 * under the next key; a rejected training file fails for good, naming the line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { FineTuneError, fineTunePolicy, type FineTunePolicyInput } from '../../src/policy/fine-tune-policy';
import { localDpoFineTuner, pairsFromDpoJsonl } from '../../src/model-server/dpo-fine-tuner';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { startOpenAIJobsServer, type OpenAIJobsServer } from '../../devtools/openai-jobs/server';

let models: LocalModelServer;
let dir: string;
const servers: OpenAIJobsServer[] = [];

beforeAll(async () => {
  models = await startLocalModelServer({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-ft-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await models.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function jobsServer(faults: { failFineTunes?: boolean } = {}) {
  const s = await startOpenAIJobsServer({
    port: 0,
    target: models.url,
    fineTuneDelayMs: 200,
    fineTuner: localDpoFineTuner(models),
    faults,
  });
  servers.push(s);
  return s;
}

const example = (prompt: string, chosen: string, rejected: string) =>
  JSON.stringify({
    input: { messages: [{ role: 'user', content: prompt }] },
    preferred_output: [{ role: 'assistant', content: chosen }],
    non_preferred_output: [{ role: 'assistant', content: rejected }],
  });

function trainingFile(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const input = (s: OpenAIJobsServer, file: string, key: string): FineTunePolicyInput => ({
  client: new OpenAI({ baseURL: s.url, apiKey: 'x', maxRetries: 0 }),
  trainingFile: file,
  baseModel: 'local-policy',
  hyperparameters: { n_epochs: 2 },
  suffix: 't',
  idempotencyKey: key,
  seed: 3,
  pollMs: 50,
  timeoutMs: 60_000,
  signal: new AbortController().signal,
  onPoll: () => undefined,
});

test('reads OpenAI DPO lines as hard-labelled pairs', () => {
  const [pair] = pairsFromDpoJsonl(example('p', 'good', 'bad'));
  expect(pair).toMatchObject({ prompt: 'p', a: 'good', b: 'bad', p: 1 });
  expect(() =>
    pairsFromDpoJsonl('{"input":{"messages":[]},"preferred_output":[],"non_preferred_output":[]}'),
  ).toThrow(/line 1/);
});

test('a second attempt rejoins the job of the first; the tuned model is served and differs from its base', async () => {
  const s = await jobsServer();
  // Two of the policy's own answers, so every word is one it can produce.
  const policy = new OpenAI({ baseURL: models.url, apiKey: 'x' });
  const prompt = 'tell me a story';
  const reply = await policy.chat.completions.create({
    model: 'local-policy',
    messages: [{ role: 'user', content: prompt }],
    n: 2,
    seed: 1,
  });
  const [a, b] = reply.choices.map((c) => c.message.content ?? '');
  const file = trainingFile('ok.jsonl', [example(prompt, a!, b!)]);
  const [first, second] = [
    await fineTunePolicy(input(s, file, 'run:1:opt')),
    await fineTunePolicy(input(s, file, 'run:1:opt')),
  ];
  expect(s.stats().fineTuningJobsCreated).toBe(1);
  expect(second).toMatchObject({ jobId: first.jobId, model: first.model, reused: true, jobs: 1 });
  expect(first.reused).toBe(false);
  const tuned = models.policyCheckpoint(first.model);
  expect(tuned).toBeDefined();
  expect(Buffer.from(tuned!).equals(Buffer.from(models.policyCheckpoint('local-policy')!))).toBe(false);
});

test('a job the service failed is replaced under the next key on the next attempt', async () => {
  const s = await jobsServer({ failFineTunes: true });
  const file = trainingFile('ok2.jsonl', [example('hello', 'hi there', 'go away')]);
  await expect(fineTunePolicy(input(s, file, 'run:2:opt'))).rejects.toThrow(
    /internal error\. \(server_error\)/,
  );
  // The retried attempt does not rejoin the failed job; it creates a second one (which fails too here).
  await expect(fineTunePolicy(input(s, file, 'run:2:opt'))).rejects.toThrow(/failed/);
  expect(s.stats().fineTuningJobsCreated).toBe(2);
  const jobs = (await input(s, file, 'x').client.fineTuning.jobs.list({ limit: 10 })).data;
  expect(jobs.map((j) => j.metadata?.idempotency_key).sort()).toEqual(['run:2:opt', 'run:2:opt#2']);
});

test('a training file the service rejects fails for good, naming the line', async () => {
  const s = await jobsServer();
  const file = trainingFile('bad.jsonl', [example('a', 'b', 'c'), '{"input": {}}']);
  const err = await fineTunePolicy(input(s, file, 'run:3:opt')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FineTuneError);
  expect((err as Error).message).toMatch(/Line 2/);
  expect((err as Error).message).toMatch(/invalid_training_file/);
});
