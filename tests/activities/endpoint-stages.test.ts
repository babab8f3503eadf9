/**
 * The generate and judge activities over endpoints that fail in the ways real servers do: samples
 * the server cannot produce, a judge that gives no usable answer, logprobs in the other shape.
 * The local model server plays the models and the fault proxy the servers.
 */
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { WorkerCapabilities } from '../../src/capabilities/worker-capabilities';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfigInput } from '../../src/config/schema';
import type { PreparedRun, StageInput } from '../../src/contracts';
import { pairResponses } from '../../src/judges/judge-pairs';
import {
  startFaultProxy,
  type FaultPlan,
  type FaultProxy,
  type ServerQuirks,
} from '../../devtools/fault-proxy';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import type { ResponseRow } from '../../src/stages/types';
import { LocalArtifactStore } from '../../src/store/local-store';

let root: string;
let store: LocalArtifactStore;
let server: LocalModelServer;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-endpoint-acts-'));
  store = new LocalArtifactStore(root);
  server = await startLocalModelServer({ port: 0 });
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function proxy(quirks: ServerQuirks, plan: FaultPlan = { sequence: [] }): Promise<string> {
  const p = await startFaultProxy({ target: server.url, plan, quirks });
  proxies.push(p);
  return p.url;
}

function runIn<A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return env.run(fn as never, ...(args as unknown as never[])) as Promise<R>;
}

/** Activities of a worker offering `endpoints`, a config using them, and the prepared run. */
async function setup(
  runKey: string,
  endpoints: Record<string, { baseURL: string; model: string; style?: 'chat' | 'completions' }>,
  extra: Partial<RunConfigInput>,
) {
  const acts = createActivities({
    store,
    threads: false,
    capabilities: new WorkerCapabilities({
      endpoints: Object.fromEntries(
        Object.entries(endpoints).map(([k, e]) => [k, { ...e, maxConcurrency: 4, timeoutMs: 10_000 }]),
      ),
    }),
  });
  const config = parseRunConfig({
    seed: 5,
    data: { kind: 'demo', trainPrompts: 12, evalPrompts: 8, sftExamples: 200 },
    generate: { batchSize: 12, endpoint: 'policy', samplesPerPrompt: 2, maxTokens: 10, temperature: 0.9 },
    ...extra,
  });
  const prepared = await runIn<[{ runKey: string; config: typeof config }], PreparedRun>(
    new MockActivityEnvironment(),
    acts['rlaif.prepare'] as never,
    { runKey, config },
  );
  const input = (stageId: string, board: Partial<StageInput['board']> = {}): StageInput => ({
    runKey,
    round: 1,
    stageId,
    config,
    board: { ...prepared, policy: prepared.initialPolicy, ...board },
    batch: { index: 0, count: 1 },
  });
  return { acts, config, input };
}

test('generation leaves out the samples the server always fails on, records them once, and reports coverage', async () => {
  const prompts = await (async () => {
    const { acts, input } = await setup(
      'gen-probe',
      { policy: { baseURL: server.url, model: 'local-policy' } },
      {},
    );
    const out = await runIn(new MockActivityEnvironment(), acts['rlaif.generate'], input('generate'));
    return store.readJsonl<ResponseRow>(out.artifacts.responses![0]!);
  })();
  const poisoned = prompts[2]!;
  const url = await proxy({ failRequests: { seed: 2, rate: 0.2, always: poisoned.prompt } });
  const { acts, input } = await setup('gen', { policy: { baseURL: url, model: 'local-policy' } }, {});
  const beats: unknown[] = [];
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const out = await runIn(env, acts['rlaif.generate'], input('generate'));
  const dead = prompts.filter((r) => r.prompt === poisoned.prompt).map((r) => r.id);
  expect(dead.length).toBeGreaterThanOrEqual(2);
  expect(out.metrics.generateDeadLetters).toBe(dead.length);
  expect(out.metrics.generateCoverage).toBeCloseTo((24 - dead.length) / 24, 9);
  expect(out.metrics.responses).toBe(24 - dead.length);
  expect(beats.length).toBeGreaterThan(0);
  const file = store.pathOf('runs/gen/round-0001/generate/batch-0000-of-0001.dead-letters.jsonl');
  const lines = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { pairId: string; reason: string });
  expect(lines.map((l) => l.pairId).sort()).toEqual([...dead].sort());
  expect(lines.every((l) => l.reason === 'server-error')).toBe(true);
});

test('a judge below judge.minCoverage fails non-retryably naming its dead letters; the file has one line per pair', async () => {
  const judgeUrl = await proxy({}, { seed: 1, rate: 1, kinds: ['missing-logprobs'] });
  const endpoints = {
    policy: { baseURL: server.url, model: 'local-policy' },
    judge: { baseURL: judgeUrl, model: 'local-judge' },
  };
  const judge = { kind: 'llm' as const, endpoint: 'judge', llm: { answer: 'logprobs' as const } };
  const { acts, input } = await setup('cov', endpoints, { judge });
  const gen = await runIn(new MockActivityEnvironment(), acts['rlaif.generate'], input('generate'));
  const responses = await store.readJsonl<ResponseRow>(gen.artifacts.responses![0]!);
  const pairs = pairResponses(responses).length;
  const judgeInput = input('judge', { responses: gen.artifacts.responses! });
  const file = store.pathOf('runs/cov/round-0001/judge/batch-0000-of-0001.dead-letters.jsonl');
  for (const attempt of [1, 2]) {
    const err = (await runIn(new MockActivityEnvironment({ attempt }), acts['rlaif.judge'], judgeInput).catch(
      (e: unknown) => e,
    )) as { type?: string; nonRetryable?: boolean; message: string };
    expect(err).toMatchObject({ type: 'JudgeCoverageError', nonRetryable: true });
    expect(err.message).toContain(`only 0 of ${pairs} pairs`);
    expect(err.message).toContain(`${pairs} dead letters in ${file}`);
  }
  expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(pairs);

  // With the floor at 0 the same batch commits, its coverage reported.
  const lenient = await setup('cov0', endpoints, { judge: { ...judge, minCoverage: 0 } });
  const gen0 = await runIn(
    new MockActivityEnvironment(),
    lenient.acts['rlaif.generate'],
    lenient.input('generate'),
  );
  const out = await runIn(
    new MockActivityEnvironment(),
    lenient.acts['rlaif.judge'],
    lenient.input('judge', { responses: gen0.artifacts.responses! }),
  );
  expect(out.metrics).toMatchObject({ pairs: 0, judgeCoverage: 0, deadLetters: pairs });
});

test('a completions-style judge on a server with chat-shaped logprobs reports every verdict read from logprobs', async () => {
  const judgeUrl = await proxy({ chatShapeCompletionLogprobs: true });
  const { acts, input } = await setup(
    'shape',
    {
      policy: { baseURL: server.url, model: 'local-policy' },
      judge: { baseURL: judgeUrl, model: 'local-judge', style: 'completions' },
    },
    { judge: { kind: 'llm', endpoint: 'judge' } },
  );
  const gen = await runIn(new MockActivityEnvironment(), acts['rlaif.generate'], input('generate'));
  const out = await runIn(
    new MockActivityEnvironment(),
    acts['rlaif.judge'],
    input('judge', { responses: gen.artifacts.responses! }),
  );
  expect(out.metrics.pairs).toBe(12);
  expect(out.metrics).toMatchObject({ judgeFromLogprobs: 1, judgeFromText: 0, judgeCoverage: 1 });
});

test('the direct preset with an LLM judge: the judge scores the round’s samples and the policy trains on those scores', async () => {
  const { acts, config, input } = await setup(
    'direct',
    { judge: { baseURL: server.url, model: 'local-judge' } },
    {
      preset: 'direct',
      generate: { batchSize: 12, samplesPerPrompt: 2, maxTokens: 10 },
      judge: { kind: 'llm', endpoint: 'judge' },
      policy: { optimizer: { steps: 5 } },
    },
  );
  expect(config.preset).toBe('direct');
  const gen = await runIn(new MockActivityEnvironment(), acts['rlaif.generate'], input('generate'));
  const scored = await runIn(
    new MockActivityEnvironment(),
    acts['rlaif.score'],
    input('score', { responses: gen.artifacts.responses! }),
  );
  expect(scored.metrics).toMatchObject({ scored: 24, judgeCoverage: 1, judgeFromLogprobs: 1 });
  const out = await runIn(
    new MockActivityEnvironment(),
    acts['rlaif.optimizePolicy'] as (i: StageInput & { method: 'judge-score' }) => Promise<{
      artifacts: { newPolicy?: unknown };
      metrics: Record<string, number>;
    }>,
    {
      ...input('optimize-policy', { responses: gen.artifacts.responses!, scores: scored.artifacts.scores! }),
      method: 'judge-score',
    },
  );
  expect(out.artifacts.newPolicy).toBeDefined();
  expect(out.metrics.directSamples).toBe(24);
  expect(out.metrics.directSamplesSkipped).toBe(0);
  // The reward is the judge's expected score mapped to [0, 1].
  expect(out.metrics.trainMeanReward).toBeCloseTo((scored.metrics.meanJudgeScore! - 1) / 9, 9);
});

test('a run whose judge model is being retired is warned of in the worker log when it starts', async () => {
  const models = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [{ id: 'local-judge', shutdown_date: '2027-02-01' }] }));
  });
  await new Promise<void>((r) => models.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(models.address() as AddressInfo).port}/v1`;
    const acts = createActivities({
      store,
      threads: false,
      capabilities: new WorkerCapabilities({ endpoints: { judge: { baseURL: url, model: 'local-judge' } } }),
    });
    const config = parseRunConfig({
      seed: 5,
      data: { kind: 'demo', trainPrompts: 12, evalPrompts: 8, sftExamples: 200 },
      judge: { kind: 'llm', endpoint: 'judge' },
    });
    const warnings: string[] = [];
    const logger = {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => warnings.push(message),
      error: () => undefined,
    };
    await runIn(new MockActivityEnvironment({}, { logger }), acts['rlaif.prepare'] as never, {
      runKey: 'retiring',
      config,
    });
    expect(warnings).toEqual([
      expect.stringMatching(/judge\.endpoint: model "local-judge" .* shutdown_date of 2027-02-01/),
    ]);
  } finally {
    await new Promise<void>((r) => models.close(() => r()));
  }
});
