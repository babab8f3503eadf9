/**
 * Whole runs on a Temporal dev server against a real Ollama: the LLM judge in chat style (soft
 * labels from top_logprobs) and in completions style (Ollama gives no completions logprobs, so
 * answers are parsed), generation with several samples per prompt (Ollama ignores `n`), the
 * `direct` preset scored by the LLM judge, a reward model on Ollama's embeddings, and a kill -9 of
 * Ollama in the middle of judging. The worker declares the endpoints; the runs only name them.
 */
import fs from 'node:fs';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfigInput } from '../../src/config/schema';
import type { PreferenceRow, ResponseRow, ScoreRow } from '../../src/stages/types';
import type { RunSummary } from '../../workflows/run';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';
import { commitCounts, smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import {
  EMBED_MODEL,
  JUDGE_MODEL,
  POLICY_MODEL,
  startOllamaFixture,
  type OllamaFixture,
} from './ollama-fixture';

let fixture: OllamaFixture;
let proxy: RecordingProxy;
let env: RunEnv;

beforeAll(async () => {
  fixture = await startOllamaFixture();
  // The judge is reached through a proxy that records every answered request.
  proxy = await startRecordingProxy(fixture.ollama.url);
  env = await startRunEnv();
  const ollama = fixture.ollama.baseURL;
  await env.startWorker({
    capabilities: {
      endpoints: {
        judge: { baseURL: `${proxy.url}/v1`, model: JUDGE_MODEL, maxConcurrency: 2 },
        'judge-completions': { baseURL: ollama, model: JUDGE_MODEL, style: 'completions', maxConcurrency: 2 },
        policy: { baseURL: ollama, model: POLICY_MODEL, maxConcurrency: 2 },
        embed: { baseURL: ollama, model: EMBED_MODEL, maxConcurrency: 2 },
      },
    },
  });
});
afterAll(async () => {
  await env?.stop();
  await proxy?.close();
  await fixture?.stop();
});

/** Prompts of the tests' runs: few, since every judgment is a real request to a real server. */
const PROMPTS = 8;

/** The tests' runs: one round, judged by Ollama unless a test says otherwise. */
function config(overrides: RunConfigInput): RunConfigInput {
  return smallConfig({
    rounds: 1,
    data: { kind: 'demo', trainPrompts: PROMPTS, evalPrompts: 4, sftExamples: 300 },
    judge: { kind: 'llm', endpoint: 'judge', batchSize: 8 },
    timeouts: { heartbeatSeconds: 30 },
    ...overrides,
  });
}

async function run(id: string, overrides: RunConfigInput): Promise<RunSummary> {
  const handle = await startRun(env.client, parseRunConfig(config(overrides)), { workflowId: id });
  return (await handle.result()) as RunSummary;
}

/** Every row of a stage's committed batches in round 1. */
async function rowsOf<T>(runKey: string, stage: string): Promise<T[]> {
  const dir = env.store.pathOf(`runs/${runKey}/round-0001/${stage}`);
  const files = fs.readdirSync(dir).filter((f) => /^batch-\d+-of-\d+\.jsonl$/.test(f));
  const rows: T[] = [];
  for (const f of files.sort()) {
    const ref = await env.store.get(`runs/${runKey}/round-0001/${stage}/${f}`);
    if (ref) rows.push(...(await env.store.readJsonl<T>(ref)));
  }
  return rows;
}

/** The keys of the run's judgment ledger, in file order. */
function ledgerKeys(runKey: string): string[] {
  const file = env.store.pathOf(`runs/${runKey}/ledger/judgments.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { key: string }).key);
}

function dupes<T>(items: readonly T[]): T[] {
  const seen = new Set<T>();
  return items.filter((x) => (seen.has(x) ? true : (seen.add(x), false)));
}

test('the LLM judge in chat style reads soft labels from top_logprobs; a reward model trains on Ollama embeddings', async () => {
  const id = 'ollama-chat-judge';
  const summary = await run(id, { rewardModel: { kind: 'embedding', endpoint: 'embed', epochs: 30 } });
  expect(summary.status).toBe('completed');
  const m = summary.history[0]!.metrics;
  expect(m.judgeCoverage).toBe(1);
  expect(m.pairs).toBe(PROMPTS);
  expect(m.judgeFromLogprobs).toBe(1);
  const rows = await rowsOf<PreferenceRow>(id, 'judge');
  expect(rows).toHaveLength(PROMPTS);
  // Parsed answers average to 0, ½ or 1 over the two orders; soft labels fall in between.
  const soft = rows.filter((r) => ![0, 0.5, 1].includes(r.p));
  expect(soft.length).toBe(rows.length);
  expect(new Set(rows.map((r) => r.p.toFixed(6))).size).toBeGreaterThan(1);
  expect(dupes(ledgerKeys(id))).toEqual([]);
  // The reward model is a head on the embeddings endpoint's vectors, each text embedded once.
  expect(m.rewardModelHeldOutPairs).toBeGreaterThan(0);
  expect(Number.isFinite(m.rewardModelAgreement)).toBe(true);
  const cache = fs
    .readFileSync(env.store.pathOf(`runs/${id}/embeddings/embeddings.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { key?: string }).key ?? l);
  expect(cache.length).toBeGreaterThan(PROMPTS);
  expect(dupes(cache)).toEqual([]);
});

test('the LLM judge in completions style falls back to parsing: Ollama gives no completions logprobs', async () => {
  const summary = await run('ollama-completions-judge', {
    // One order only: the tiny judge answers "1" whatever it reads, so parsed answers in both
    // orders would average to ½ everywhere, and the reward model would have no decisive label.
    judge: { kind: 'llm', endpoint: 'judge-completions', batchSize: 8, swapOrder: false },
  });
  expect(summary.status).toBe('completed');
  const m = summary.history[0]!.metrics;
  expect(m.judgeCoverage).toBe(1);
  expect(m.judgeFromText).toBe(1);
  const rows = await rowsOf<PreferenceRow>('ollama-completions-judge', 'judge');
  expect(rows).toHaveLength(PROMPTS);
  for (const r of rows) expect(r.p).toBe(1);
});

test('generation with 4 samples per prompt: Ollama ignores n, so the samples are asked one by one', async () => {
  const summary = await run('ollama-generate', {
    generate: { endpoint: 'policy', samplesPerPrompt: 4, maxTokens: 10, batchSize: 8 },
  });
  expect(summary.status).toBe('completed');
  const m = summary.history[0]!.metrics;
  expect(m.generateRequests).toBeGreaterThanOrEqual(PROMPTS * 4);
  const rows = await rowsOf<ResponseRow>('ollama-generate', 'generate');
  expect(rows).toHaveLength(PROMPTS * 4);
  const byPrompt = new Map<string, string[]>();
  for (const r of rows) byPrompt.set(r.promptId, [...(byPrompt.get(r.promptId) ?? []), r.response]);
  expect([...byPrompt.values()].every((texts) => texts.length === 4)).toBe(true);
  // Each sample has its own seed: a prompt's samples are not all one text.
  expect([...byPrompt.values()].filter((texts) => new Set(texts).size > 1).length).toBeGreaterThan(
    PROMPTS / 2,
  );
  // The stage's maxTokens reaches the server: no response is longer (each policy token is a word).
  const longest = Math.max(
    ...rows.map((r) => (r.response.trim() ? r.response.trim().split(/\s+/).length : 0)),
  );
  expect(longest).toBeLessThanOrEqual(10);
  // Samples 0–1 and 2–3 of each prompt make its two pairs, all judged.
  expect(m.pairs).toBe(PROMPTS * 2);
  expect(m.judgeCoverage).toBe(1);
});

test('the direct preset scores every response 1–10 with the LLM judge', async () => {
  const summary = await run('ollama-direct', { preset: 'direct' });
  expect(summary.status).toBe('completed');
  const m = summary.history[0]!.metrics;
  expect(m.scored).toBe(PROMPTS * 2);
  expect(m.judgeCoverage).toBe(1);
  const scores = await rowsOf<ScoreRow>('ollama-direct', 'score');
  expect(scores).toHaveLength(PROMPTS * 2);
  for (const s of scores) {
    expect(s.score).toBeGreaterThanOrEqual(1);
    expect(s.score).toBeLessThanOrEqual(10);
  }
  // Expected values over the score tokens' probabilities, not parsed integers.
  expect(scores.some((s) => !Number.isInteger(s.score))).toBe(true);
});

test('Ollama killed with SIGKILL mid-judge and restarted: the run completes and nothing is judged twice', async () => {
  const id = 'ollama-kill';
  const before = proxy.requests.length;
  const handle = await startRun(
    env.client,
    parseRunConfig(config({ data: { kind: 'demo', trainPrompts: 24, evalPrompts: 4, sftExamples: 300 } })),
    { workflowId: id },
  );
  // Wait until judging is under way (some judgments in the ledger), then kill the whole server.
  const deadline = Date.now() + 120_000;
  while (ledgerKeys(id).length < 4) {
    if (Date.now() > deadline) throw new Error('judging did not start within 2 minutes');
    await new Promise((r) => setTimeout(r, 25));
  }
  const judgedAtKill = ledgerKeys(id).length;
  const killedAt = proxy.requests.length;
  await fixture.ollama.kill();
  // Down long enough for the judge's requests to fail and back off.
  await new Promise((r) => setTimeout(r, 3000));
  const failedWhileDown = proxy.requests.slice(killedAt).filter((r) => r.status === 502).length;
  const restartedAt = proxy.requests.length;
  await fixture.ollama.restart();
  const summary = (await handle.result()) as RunSummary;

  expect(summary.status).toBe('completed');
  const m = summary.history[0]!.metrics;
  expect(judgedAtKill).toBeLessThan(24 * 2); // judgments, one per pair and order
  expect(failedWhileDown).toBeGreaterThan(0);
  expect(m.judgeCoverage).toBe(1);
  expect(m.pairs).toBe(24);
  const rows = await rowsOf<PreferenceRow>(id, 'judge');
  expect(rows).toHaveLength(24);
  expect(dupes(rows.map((r) => r.id))).toEqual([]);
  // Nothing judged twice: the ledger records each answer (one per pair and order) as it comes,
  // so of the questions the server answered before the kill, the run asks again after the
  // restart only answers lost with the server, at most one per request the endpoint lets in at
  // once; and the ledger holds each judgment once.
  const answered = (from: number, to: number) =>
    new Set(
      proxy.requests
        .slice(from, to)
        .filter((r) => r.status === 200)
        .map((r) => r.bodyHash),
    );
  const beforeKill = answered(before, killedAt);
  const askedAgain = [...answered(restartedAt, proxy.requests.length)].filter((h) => beforeKill.has(h));
  expect(beforeKill.size).toBeGreaterThanOrEqual(judgedAtKill);
  expect(askedAgain.length).toBeLessThanOrEqual(2);
  expect(dupes(ledgerKeys(id))).toEqual([]);
  const deadLetters = fs
    .readdirSync(env.store.pathOf(`runs/${id}/round-0001/judge`))
    .filter((f) => f.endsWith('.dead-letters.jsonl'))
    .map((f) => fs.readFileSync(env.store.pathOf(`runs/${id}/round-0001/judge/${f}`), 'utf8').trim())
    .filter(Boolean);
  expect(deadLetters).toEqual([]);
  // Every artifact of the run was committed once.
  expect(
    [...(await commitCounts(env.store))].filter(([k, n]) => k.startsWith(`runs/${id}/`) && n !== 1),
  ).toEqual([]);
});
