import { appendFileSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import OpenAI from 'openai';
import { createLocalJudge } from '../../src/judges/create';
import { DEMO_DEFAULTS } from '../../src/loop/in-process';
import { parseEndpointConfig } from '../../src/providers/endpoint';
import { EndpointGovernor } from '../../src/providers/governor';
import {
  EmbeddingFeaturizer,
  embeddingCacheKey,
  embeddingText,
  type EmbeddingFeaturizerOptions,
} from '../../src/reward/embedding-features';
import {
  EmbeddingRewardScorer,
  embeddingRewardFromOnnx,
  exportEmbeddingRewardOnnx,
  linearHeadScores,
  trainEmbeddingRewardModel,
  type EmbeddingRewardTrainResult,
} from '../../src/reward/embedding-reward';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { defaultPolicyOnnx } from '../../src/model-server/policy-engine';
import { generateResponses } from '../../src/stages/generate';
import { judgePairs } from '../../src/stages/judge';
import { makeDemoData } from '../../src/stages/prepare';
import { isHeldOut, trainRewardModel } from '../../src/stages/train-reward';
import type { PreferenceRow } from '../../src/stages/types';
import { Rng, seedFrom } from '../../src/util/rng';

/** Prompts of the test round: enough pairs (one per prompt) for the head to generalize. */
const PROMPTS = 1024;
/**
 * Held-out agreement of the embedding reward model on this round, measured at 0.642 on 226 pairs
 * (z = 4.3 against chance); the lexical reward model gets 0.814 on the same split and settings. The gap is the
 * embedder's, not the head's: `local-embed` is a normalized hashed bag of words, so a linear head
 * cannot tell "a word of the prompt's topic" from "a topic word" (see docs/reward-models.md and the
 * synthetic test below, where the same head recovers a linear reward at ≥ 0.9).
 */
const MIN_AGREEMENT = 0.58;
/** The binomial z-score against chance (0.5) the agreement must reach. */
const MIN_Z = 3;
const TRAIN = { seed: seedFrom(7, 'reward'), heldOutFraction: 0.2, epochs: 200, lr: 0.05, l2: 1e-3 };

let server: LocalModelServer;
let dir: string;
let pairs: PreferenceRow[];
/** Every HTTP request the featurizers of this file sent to the server. */
let httpRequests = 0;

function featurizer(extra: Partial<EmbeddingFeaturizerOptions> = {}): EmbeddingFeaturizer {
  const endpoint = parseEndpointConfig({ baseURL: server.url, model: 'local-embed' });
  const client = new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey: 'no-key',
    maxRetries: 0,
    fetch: (url: string | URL | Request, init?: RequestInit) => {
      httpRequests++;
      return fetch(url, init);
    },
  });
  return new EmbeddingFeaturizer({
    endpoint,
    cacheDir: join(dir, 'cache'),
    client,
    governor: new EndpointGovernor(endpoint, { maxConcurrency: 4 }),
    ...extra,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rlaif-embed-rm-'));
  server = await startLocalModelServer({ port: 0 });
  // One round as src/loop/in-process.ts builds it: the demo's initial policy, two samples per
  // prompt, the local judge in both orders.
  const data = makeDemoData({ seed: 7, trainPrompts: PROMPTS, evalPrompts: 1, sftExamples: 1 });
  const responses = await generateResponses(await defaultPolicyOnnx(), data.train, {
    ...DEMO_DEFAULTS.generate,
    seed: seedFrom(7, 'generate', 1),
    maxTokens: DEMO_DEFAULTS.sft.maxTokens,
  });
  pairs = judgePairs(createLocalJudge(DEMO_DEFAULTS.judge), responses);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedding reward model', () => {
  let trained: EmbeddingRewardTrainResult;

  test('trained on local-judge labels, agrees with the judge on held-out pairs well above chance', async () => {
    const f = featurizer();
    const before = httpRequests;
    trained = await trainEmbeddingRewardModel(pairs, f, TRAIN);
    const lexical = await trainRewardModel(pairs, TRAIN);
    console.log(
      `embedding RM: held-out agreement ${trained.heldOutAgreement.toFixed(3)} on ${trained.heldOutPairs} pairs ` +
        `(${trained.trainPairs} train, dim ${trained.embeddingDim}, loss ${trained.trainLoss.toFixed(4)}); ` +
        `lexical RM on the same split: ${lexical.heldOutAgreement.toFixed(3)}; requests ${httpRequests - before}`,
    );
    expect(trained.embeddingDim).toBe(256);
    expect(trained.trainPairs + trained.heldOutPairs).toBeLessThanOrEqual(pairs.length);
    expect(trained.heldOutPairs).toBeGreaterThan(100);
    expect(trained.heldOutAgreement).toBeGreaterThanOrEqual(MIN_AGREEMENT);
    const z = (trained.heldOutAgreement - 0.5) / Math.sqrt(0.25 / trained.heldOutPairs);
    expect(z).toBeGreaterThanOrEqual(MIN_Z);
    // Batched: every distinct text of the used pairs (held-out ties are not used) once, 64 a request.
    const used = pairs.filter((p) => !(isHeldOut(TRAIN.seed, p.id, TRAIN.heldOutFraction) && p.p === 0.5));
    const distinct = new Set(
      used.flatMap((p) => [embeddingText(p.prompt, p.a), embeddingText(p.prompt, p.b)]),
    );
    expect(f.stats().embedded).toBe(distinct.size);
    expect(f.stats().requests).toBe(Math.ceil(distinct.size / 64));
    expect(httpRequests - before).toBe(f.stats().requests);
  });

  test('on labels drawn from a known linear reward of the embeddings, the head recovers its order', async () => {
    const f = featurizer();
    const texts = pairs.flatMap((p) => [
      { prompt: p.prompt, response: p.a },
      { prompt: p.prompt, response: p.b },
    ]);
    const { data, dim } = await f.embedRows(texts);
    const rng = new Rng(3);
    const truth = {
      dim,
      weights: Float32Array.from({ length: dim }, () => rng.normal() * 8),
      bias: new Float32Array(1),
    };
    const r = linearHeadScores(truth, data);
    const synthetic = pairs.map((p, i) => ({
      ...p,
      p: 1 / (1 + Math.exp(-((r[2 * i] as number) - (r[2 * i + 1] as number)))),
    }));
    const fit = await trainEmbeddingRewardModel(synthetic, f, { ...TRAIN, l2: 1e-5, epochs: 300 });
    console.log(
      `embedding RM on synthetic linear labels: held-out agreement ${fit.heldOutAgreement.toFixed(3)}`,
    );
    expect(fit.heldOutAgreement).toBeGreaterThanOrEqual(0.9);
  });

  test('the disk cache makes a second featurization (a new featurizer, as after a retry) send no request', async () => {
    const rows = pairs.slice(0, 300).map((p) => ({ prompt: p.prompt, response: p.a }));
    const first = await featurizer().embedRows(rows);
    const before = httpRequests;
    const again = featurizer();
    const second = await again.embedRows(rows);
    expect(httpRequests - before).toBe(0);
    expect(again.stats()).toEqual({ requests: 0, embedded: 0, cacheHits: rows.length });
    expect(second.dim).toBe(first.dim);
    expect(Array.from(second.data)).toEqual(Array.from(first.data));
    // A partial last line (a crash mid-append) is skipped, the whole lines are still served.
    appendFileSync(join(dir, 'cache', 'embeddings.jsonl'), '{"k":"abc","v":"AAAA');
    const third = featurizer();
    await third.embedRows(rows);
    expect(third.stats().requests).toBe(0);
    await third.embedRows([{ prompt: 'describe the sea', response: 'a line after the partial one' }]);
    const fourth = featurizer();
    await fourth.embedRows([
      ...rows,
      { prompt: 'describe the sea', response: 'a line after the partial one' },
    ]);
    expect(fourth.stats().requests).toBe(0);
    // Another model (here: shortened embeddings) is another cache key.
    expect(embeddingCacheKey('local-embed@64', 'x')).not.toBe(embeddingCacheKey('local-embed', 'x'));
    const short = featurizer({ dimensions: 64 });
    const s = await short.embedRows(rows.slice(0, 10));
    expect(s.dim).toBe(64);
    expect(short.stats().requests).toBe(1);
  });

  test('onnxruntime scores equal the JS linear head on the same embeddings', async () => {
    const f = featurizer();
    const { head } = embeddingRewardFromOnnx(trained.onnx);
    const rows = pairs.slice(0, 200).flatMap((p) => [
      { prompt: p.prompt, response: p.a },
      { prompt: p.prompt, response: p.b },
    ]);
    const scorer = await EmbeddingRewardScorer.create(trained.onnx, f);
    try {
      const got = await scorer.score(rows);
      const want = linearHeadScores(head, (await f.embedRows(rows)).data);
      expect(got).toHaveLength(rows.length);
      let worst = 0;
      got.forEach((r, i) => (worst = Math.max(worst, Math.abs(r - (want[i] as number)))));
      expect(worst).toBeLessThan(1e-5);
      expect(new Set(got).size).toBeGreaterThan(10);
      expect(await scorer.score([])).toHaveLength(0);
    } finally {
      await scorer.release();
    }
  });

  test('a head trained on another embedding model is refused with a clear error', async () => {
    const { head } = embeddingRewardFromOnnx(trained.onnx);
    const other = exportEmbeddingRewardOnnx(head, {
      embeddingModel: 'text-embedding-3-small',
      textFormat: 'x',
    });
    await expect(EmbeddingRewardScorer.create(other, featurizer(), 'rm.onnx')).rejects.toThrow(
      /rm\.onnx was trained on embeddings of "text-embedding-3-small".*"local-embed"/,
    );
    await expect(
      EmbeddingRewardScorer.create(new TextEncoder().encode('not onnx'), featurizer(), 'x.onnx'),
    ).rejects.toThrow(/x\.onnx/);
  });
});
