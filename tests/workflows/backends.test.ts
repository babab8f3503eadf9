/**
 * Real backends through a real dev server: the judge as an LLM behind the OpenAI protocol (the
 * project's local model server), an external trainer command, and exports of the judged pairs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRun } from '../../src/cli/runs';
import { exportPreferences } from '../../src/cli/export';
import { parseRunConfig } from '../../src/config/parse';
import { startLocalModelServer } from '../../src/model-server/local-model-server';
import type { RunSummary } from '../../workflows/run';
import { encodeResponse, policyFromOnnx, promptContext, tokensLogProb } from '../../src/models/policy';
import { rewardModelGoldAgreement } from '../../src/eval/gold-figures';
import type { PreferenceRow, ResponseRow } from '../../src/stages/types';
import { seedFrom } from '../../src/util/rng';
import { commitCounts, smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { tinyClassifier, tinyWeights, tokenizerJson } from '../helpers/tiny-hf-model';

let env: RunEnv;
let server: Awaited<ReturnType<typeof startLocalModelServer>>;
let policyServer: Awaited<ReturnType<typeof startLocalModelServer>>;
/** The worker's data root for the user's reward model files. */
let modelDir: string;
const TRAINER = path.resolve(__dirname, '..', '..', '..', 'examples', 'trainers', 'dpo-trainer.js');

// The worker declares what runs may use, as its owner would; the run configs only name them.
beforeAll(async () => {
  env = await startRunEnv();
  server = await startLocalModelServer({ port: 0 });
  policyServer = await startLocalModelServer({ port: 0, storeRoot: env.storeRoot });
  modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-user-rm-'));
  await env.startWorker({
    capabilities: {
      endpoints: {
        judge: { baseURL: server.url, model: 'local-judge' },
        embed: { baseURL: server.url, model: 'local-embed' },
        policy: { baseURL: policyServer.url, model: '{policy}' },
        'policy-judge': { baseURL: policyServer.url, model: 'local-judge' },
      },
      trainers: { 'dpo-demo': { command: [process.execPath, TRAINER] } },
      dataRoots: { models: modelDir },
    },
  });
});
afterAll(async () => {
  await policyServer?.close();
  await server?.close();
  await env?.stop();
  if (modelDir) fs.rmSync(modelDir, { recursive: true, force: true });
});

async function run(id: string, overrides: Parameters<typeof smallConfig>[0]): Promise<RunSummary> {
  const handle = await startRun(env.client, parseRunConfig(smallConfig(overrides)), { workflowId: id });
  return (await handle.result()) as RunSummary;
}

test('an LLM judge over HTTP gives the same labels and figures as the embedded judge', async () => {
  const local = await run('judge-local', { rounds: 2 });
  const llm = await run('judge-http', {
    rounds: 2,
    judge: { kind: 'llm', endpoint: 'judge', batchSize: 8 },
  });
  for (const [a, b] of [
    [local.history[1]!.metrics, llm.history[1]!.metrics],
    [local.history[0]!.metrics, llm.history[0]!.metrics],
  ] as const) {
    expect(b.pairs).toBe(a.pairs);
    expect(b.flipRate).toBeCloseTo(a.flipRate!, 6);
    expect(b.rewardModelAgreement).toBeCloseTo(a.rewardModelAgreement!, 6);
    expect(b.winRateVsInitial).toBeCloseTo(a.winRateVsInitial!, 6);
    expect(b.judgeCoverage).toBe(1);
    expect(b.judgeRequests).toBeGreaterThan(0);
  }
  const rows = (p: string) =>
    fs
      .readFileSync(env.store.pathOf(`runs/${p}/round-0001/judge/batch-0000-of-0004.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; p: number });
  const [x, y] = [rows('judge-local'), rows('judge-http')];
  expect(y.map((r) => r.id)).toEqual(x.map((r) => r.id));
  y.forEach((r, i) => expect(r.p).toBeCloseTo(x[i]!.p, 6));
  // Every judgment is in the run's ledger, so a retried batch would not pay again.
  const ledger = fs
    .readFileSync(env.store.pathOf('runs/judge-http/ledger/judgments.jsonl'), 'utf8')
    .trim()
    .split('\n');
  expect(ledger.length).toBeGreaterThanOrEqual(llm.history[0]!.metrics.judgeRequests!);
});

test('generation over HTTP follows the run: each round samples from the policy the last round made', async () => {
  {
    const summary = await run('gen-http', {
      rounds: 2,
      generate: { endpoint: 'policy', batchSize: 8 },
      judge: { kind: 'llm', endpoint: 'policy-judge', batchSize: 8 },
    });
    expect(summary.status).toBe('completed');
    expect(summary.history[1]!.metrics.generateRequests).toBeGreaterThan(0);
    // Round 2's responses carry the log-probability of the policy round 1 produced.
    const policyRef = (await env.store.get('runs/gen-http/round-0001/optimize-policy/policy.onnx'))!;
    const policy = policyFromOnnx(await env.store.readBytes(policyRef));
    const rows = await env.store.readJsonl<ResponseRow>(
      (await env.store.get('runs/gen-http/round-0002/generate/batch-0000-of-0004.jsonl'))!,
    );
    for (const r of rows.slice(0, 6)) {
      expect(r.logprobSource).toBe('endpoint');
      const expected = tokensLogProb(
        policy,
        promptContext(policy.vocab, r.prompt),
        encodeResponse(policy, r.response),
      );
      expect(r.logprob).toBeCloseTo(expected, 4);
    }
  }
});

test('the direct preset with an LLM judge: the endpoint scores each round’s samples, and those scores train the policy', async () => {
  const summary = await run('direct-http', {
    rounds: 2,
    preset: 'direct',
    judge: { kind: 'llm', endpoint: 'judge', batchSize: 8 },
  });
  expect(summary.status).toBe('completed');
  for (const h of summary.history) {
    const m = h.metrics;
    expect(m.scored).toBeGreaterThan(0);
    expect(m.judgeCoverage).toBe(1);
    expect(m.judgeFromLogprobs).toBe(1);
    expect(m.judgeRequests).toBeGreaterThan(0);
    // Every scored sample is one the embedded policy produced, so all of them train it.
    expect(m.directSamples).toBe(m.scored);
    expect(m.winRateVsInitial).toBeGreaterThan(0);
  }
});

test('the external preset trains with an external trainer command and the run learns', async () => {
  const summary = await run('external-1', {
    preset: 'external',
    rounds: 2,
    policy: {
      trainer: {
        name: 'dpo-demo',
        hyperparameters: { beta: 0.5, learning_rate: 0.02, num_train_epochs: 3, save_steps: 2 },
      },
    },
  });
  expect(summary.status).toBe('completed');
  const m = summary.history[1]!.metrics;
  expect(m.trainerStepsRun).toBeGreaterThan(0);
  expect(m.trainerPairs).toBe(64);
  expect(m.klToInitial).toBeGreaterThan(0);
  // The trainer's checkpoints stayed in the store for a retried activity to resume from.
  const out = env.store.pathOf('runs/external-1/round-0001/optimize-policy/trainer/output');
  expect(fs.readdirSync(out).some((d) => d.startsWith('checkpoint-'))).toBe(true);
  expect(
    [...(await commitCounts(env.store))].filter(([k, n]) => k.startsWith('runs/external-1/') && n !== 1),
  ).toEqual([]);
});

test('a reward model on endpoint embeddings trains, replaces the embedded one, and caches its embeddings', async () => {
  const summary = await run('rm-embed', {
    rounds: 2,
    rewardModel: { kind: 'embedding', endpoint: 'embed', epochs: 50 },
  });
  expect(summary.status).toBe('completed');
  const m = summary.history[1]!.metrics;
  expect(m.rewardModelHeldOutPairs).toBeGreaterThan(0);
  expect(m.rewardModelAgreement).toBeGreaterThanOrEqual(0);
  expect(m.trainMeanReward).toBeDefined();
  const cache = fs
    .readFileSync(env.store.pathOf('runs/rm-embed/embeddings/embeddings.jsonl'), 'utf8')
    .trim()
    .split('\n');
  expect(cache.length).toBeGreaterThan(64); // every distinct (prompt, response) embedded once and kept
});

test("a user's ONNX reward model (Hugging Face layout) scores the optimizer's samples", async () => {
  {
    fs.writeFileSync(path.join(modelDir, 'model.onnx'), tinyClassifier(tinyWeights(3)));
    fs.writeFileSync(path.join(modelDir, 'tokenizer.json'), JSON.stringify(tokenizerJson()));
    const tokenizerFile = 'models:tokenizer.json';
    const summary = await run('rm-user', {
      rounds: 1,
      rewardModel: { kind: 'onnx', modelFile: 'models:model.onnx', tokenizerFile },
    });
    expect(summary.status).toBe('completed');
    const m = summary.history[0]!.metrics;
    expect(m.rewardModelHeldOutPairs).toBeGreaterThan(0);
    expect(m.rewardModelTrainPairs).toBe(0);
    expect(Number.isFinite(m.trainMeanReward)).toBe(true);

    // A model whose inputs do not match fails at once, naming the file.
    const bad = path.join(fs.realpathSync(modelDir), 'bad.onnx');
    fs.writeFileSync(bad, tinyClassifier(tinyWeights(3), { rename: 'ids' }));
    const handle = await startRun(
      env.client,
      parseRunConfig(
        smallConfig({
          rounds: 1,
          rewardModel: { kind: 'onnx', modelFile: 'models:bad.onnx', tokenizerFile },
        }),
      ),
      {
        workflowId: 'rm-user-bad',
      },
    );
    const error = await handle.result().catch((e: unknown) => e as Error);
    const chain: string[] = [];
    for (let e = error as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
      chain.push(String(e.message));
    }
    expect(chain.join(' <- ')).toContain(`${bad}: the model's inputs do not match`);
  }
});

test('judged pairs export as TRL and OpenAI DPO JSONL', async () => {
  await run('export-1', { rounds: 2 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-export-'));
  try {
    const config = parseRunConfig(smallConfig({ rounds: 2 }));
    const trl = await exportPreferences(env.store, 'export-1', config, {
      format: 'trl',
      out: path.join(dir, 'trl.jsonl'),
    });
    expect(trl.rounds).toEqual([1, 2]);
    expect(trl.pairs + trl.skippedTies).toBe(64);
    const first = JSON.parse(fs.readFileSync(trl.file, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(['chosen', 'prompt', 'rejected']);
    const dpo = await exportPreferences(env.store, 'export-1', config, {
      format: 'openai-dpo',
      out: path.join(dir, 'dpo.jsonl'),
      round: 2,
    });
    expect(dpo.rounds).toEqual([2]);
    const line = JSON.parse(fs.readFileSync(dpo.file, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(line).sort()).toEqual(['input', 'non_preferred_output', 'preferred_output']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an evaluator separate from the training judge reports its own win rate; demo runs report gold figures', async () => {
  // The evaluator is the judge model behind HTTP, so its verdicts must equal the embedded
  // training judge's: its win rate is the training win rate, computed from its own requests.
  const summary = await run('evaluator-1', { rounds: 1, evaluate: { judge: { endpoint: 'judge' } } });
  const m = summary.history[0]!.metrics;
  expect(m.evaluatorRequests).toBeGreaterThan(0);
  expect(m.evaluatorCoverage).toBe(1);
  expect(m.evaluatorComparisons).toBe(m.evalComparisons);
  expect(m.evaluatorWinRate).toBeCloseTo(m.winRateVsInitial!, 6);
  expect(m.evaluatorJudgeAgreement).toBe(1);
  expect(m.evaluatorWinRateLow).toBeLessThanOrEqual(m.evaluatorWinRate!);
  // The demo world's gold standard, on the same evaluation pairs and this round's labels.
  expect(m.goldWinRateLow).toBeLessThanOrEqual(m.goldWinRate!);
  expect(m.goldWinRateHigh).toBeGreaterThanOrEqual(m.goldWinRate!);
  expect(m.judgeGoldAgreementPairs).toBe(m.pairs);
  expect(m.judgeGoldAgreement).toBeGreaterThan(0.6);
  expect(m.judgeGoldAgreement).toBeLessThan(0.95);
  // The reward model's agreement with gold is over its own held-out pairs: recomputed here from
  // the round's committed pool and model.
  const file = (name: string) => env.store.pathOf(`runs/evaluator-1/round-0001/train-reward/${name}`);
  const pool = fs
    .readFileSync(file('preference-pool.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as PreferenceRow);
  const expected = await rewardModelGoldAgreement(fs.readFileSync(file('reward-model.onnx')), pool, {
    seed: seedFrom(7, 'reward'),
    heldOutFraction: 0.2,
  });
  expect(m.rewardModelGoldAgreement).toBe(expected.value);
});
