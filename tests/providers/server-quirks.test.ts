/**
 * The OpenAI-compatible clients against servers that differ from OpenAI's API the way
 * llama.cpp's llama-server does: completions logprobs in the chat shape, HTTP 400 for `n` above
 * its slots, usage that counts one choice, and HTTP 500 for particular requests. The project's
 * local model server plays the model, the fault proxy plays the server's quirks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLocalJudge } from '../../src/judges/create';
import { judgeEachPair, pairResponses, type PairInput } from '../../src/judges/judge-pairs';
import { DeadLetterSet } from '../../src/judges/ledger';
import { OpenAIPairwiseJudge } from '../../src/judges/llm-judge';
import { parseEndpointConfig, type EndpointConfigInput } from '../../src/providers/endpoint';
import { EndpointGovernor } from '../../src/providers/governor';
import { refusesSeveralChoices } from '../../src/providers/openai-call';
import { OpenAIGenerator } from '../../src/providers/openai-generator';
import { startFaultProxy, type FaultProxy, type ServerQuirks } from '../../devtools/fault-proxy';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { demoPrompts } from '../../src/demo/world';

const local = createLocalJudge();
let server: LocalModelServer;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  server = await startLocalModelServer({ port: 0 });
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await server?.close();
});

async function quirky(quirks: ServerQuirks): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: server.url, plan: { sequence: [] }, quirks });
  proxies.push(proxy);
  return proxy;
}

function endpoint(url: string, model: string, extra: Partial<EndpointConfigInput> = {}) {
  const cfg = parseEndpointConfig({ baseURL: url, model, ...extra });
  const governor = new EndpointGovernor(cfg, {
    maxConcurrency: cfg.maxConcurrency,
    baseDelayMs: 5,
    maxDelayMs: 20,
  });
  return { cfg, governor };
}

describe('completions logprobs in the chat shape', () => {
  test('the generator reads them, to the same logprobs as the legacy shape', async () => {
    const proxy = await quirky({ chatShapeCompletionLogprobs: true });
    const opts = { samplesPerPrompt: 2, seed: 3, maxTokens: 8 };
    const prompts = demoPrompts(5, 3, 'eval');
    const viaQuirk = endpoint(proxy.url, 'local-policy', { style: 'completions' });
    const direct = endpoint(server.url, 'local-policy', { style: 'completions' });
    const a = await new OpenAIGenerator(viaQuirk.cfg, { governor: viaQuirk.governor }).generate(
      prompts,
      opts,
    );
    const b = await new OpenAIGenerator(direct.cfg, { governor: direct.governor }).generate(prompts, opts);
    expect(a.rows.every((r) => r.logprobSource === 'endpoint')).toBe(true);
    expect(a.rows.map((r) => [r.response, r.logprob])).toEqual(b.rows.map((r) => [r.response, r.logprob]));
    // One request per prompt: nothing was asked again for lost logprobs.
    expect(proxy.stats().requests).toBe(3);
  });

  test('a completions-style judge reads soft labels from them, not parsed answers', async () => {
    const proxy = await quirky({ chatShapeCompletionLogprobs: true });
    const { cfg, governor } = endpoint(proxy.url, 'local-judge', { style: 'completions' });
    const judge = new OpenAIPairwiseJudge(cfg, {}, { governor });
    const prompt = 'describe the ocean at night';
    const v = await judge.compare(prompt, 'wave tide coral reef', 'the star the star');
    if (!v.ok) throw new Error(`no verdict: ${v.reason}`);
    expect(v.source).toBe('logprobs');
    expect(v.p).toBeCloseTo(local.compare(prompt, 'wave tide coral reef', 'the star the star'), 6);
    // A parsed answer would be exactly 0 or 1.
    expect(v.p).not.toBe(1);
  });
});

describe('n above what the server takes', () => {
  test('falls back to parallel single requests after the 400, and remembers it for the endpoint', async () => {
    const proxy = await quirky({ maxN: 2 });
    const { cfg, governor } = endpoint(proxy.url, 'local-policy', { maxTokens: 8, maxConcurrency: 1 });
    const gen = new OpenAIGenerator(cfg, { governor });
    const first = await gen.generate(demoPrompts(5, 1, 'train'), { samplesPerPrompt: 4, seed: 5 });
    expect(first.rows.map((r) => r.sample)).toEqual([0, 1, 2, 3]);
    expect(refusesSeveralChoices(governor)).toBe(true);
    // The 400, then four single requests.
    expect(proxy.stats().requests).toBe(5);
    const second = await gen.generate(demoPrompts(6, 2, 'train'), { samplesPerPrompt: 4, seed: 5 });
    expect(second.rows).toHaveLength(8);
    // No second 400: straight to single requests.
    expect(proxy.stats().requests).toBe(5 + 8);
    // Single requests get seed + index, as with parallelSamples: the samples are reproducible.
    const parallel = endpoint(server.url, 'local-policy', { maxTokens: 8, parallelSamples: true });
    const again = await new OpenAIGenerator(parallel.cfg, { governor: parallel.governor }).generate(
      demoPrompts(5, 1, 'train'),
      { samplesPerPrompt: 4, seed: 5 },
    );
    expect(first.rows.map((r) => r.response)).toEqual(again.rows.map((r) => r.response));
  });

  test('a 400 that is not about n is not learned as such', async () => {
    const proxy = await quirky({ maxN: 0 });
    const { cfg, governor } = endpoint(proxy.url, 'local-policy', { maxTokens: 8 });
    const err = await new OpenAIGenerator(cfg, { governor })
      .generate(demoPrompts(5, 1, 'train'), { samplesPerPrompt: 2, seed: 5 })
      .catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe('EndpointConfigError');
    expect(refusesSeveralChoices(governor)).toBe(false);
  });
});

test('a server that counts only one choice’s tokens: the choices are counted', async () => {
  const proxy = await quirky({ firstChoiceUsage: true });
  const opts = { samplesPerPrompt: 4, seed: 9, maxTokens: 8 };
  const prompts = demoPrompts(5, 2, 'train');
  const q = endpoint(proxy.url, 'local-policy');
  const d = endpoint(server.url, 'local-policy');
  const counted = await new OpenAIGenerator(q.cfg, { governor: q.governor }).generate(prompts, opts);
  const truth = await new OpenAIGenerator(d.cfg, { governor: d.governor }).generate(prompts, opts);
  expect(counted.rows.map((r) => r.response)).toEqual(truth.rows.map((r) => r.response));
  expect(truth.usage.completionTokens).toBeGreaterThan(8);
  expect(counted.usage.completionTokens).toBe(truth.usage.completionTokens);
});

describe('a server that fails on particular requests (HTTP 500)', () => {
  test('generation asks the failing samples again with other seeds, and leaves out what never passes', async () => {
    const prompts = demoPrompts(7, 12, 'train');
    const poisoned = prompts[3]!;
    const proxy = await quirky({ failRequests: { seed: 1, rate: 0.3, always: poisoned.prompt } });
    const { cfg, governor } = endpoint(proxy.url, 'local-policy', { maxTokens: 8 });
    const opts = { samplesPerPrompt: 2, seed: 4, temperature: 0.8 };
    const out = await new OpenAIGenerator(cfg, { governor }).generate(prompts, opts);
    // Every prompt with the poisoned text fails whatever the seed; about 30% of the others fail
    // at first and pass with another seed.
    const failedIds = out.failed.map((f) => f.id).sort();
    const poisonedIds = prompts
      .filter((p) => p.prompt === poisoned.prompt)
      .flatMap((p) => [`${p.id}#0`, `${p.id}#1`]);
    expect(failedIds).toEqual(poisonedIds.sort());
    expect(
      out.failed.every((f) => f.reason === 'server-error' && /expected Content-only format/.test(f.raw)),
    ).toBe(true);
    expect(out.rows).toHaveLength(prompts.length * 2 - poisonedIds.length);
    expect(proxy.stats().requests).toBeGreaterThan(prompts.length + 4);
    // The stage's sampling settings reach the server, and the seeds are deterministic: the
    // same batch again gives the same samples.
    const again = await new OpenAIGenerator(cfg, { governor }).generate(prompts, opts);
    expect(again.rows.map((r) => [r.id, r.response])).toEqual(out.rows.map((r) => [r.id, r.response]));
  });

  test('a server failing every request fails the batch (retryable), not every sample', async () => {
    const proxy = await quirky({ failRequests: { seed: 1, rate: 1 } });
    const { cfg, governor } = endpoint(proxy.url, 'local-policy', { maxTokens: 8 });
    const err = await new OpenAIGenerator(cfg, { governor })
      .generate(demoPrompts(7, 2, 'train'), { samplesPerPrompt: 2, seed: 4, seedsPerSample: 2 })
      .catch((e: unknown) => e as Error & { retryable?: boolean; status?: number });
    expect(err).toMatchObject({ name: 'TransientEndpointError', retryable: true, status: 500 });
  });

  test('the judge varies seed and temperature for a failing question, then dead-letters the pair once', async () => {
    const gen = endpoint(server.url, 'local-policy', { maxTokens: 8 });
    const { rows } = await new OpenAIGenerator(gen.cfg, { governor: gen.governor }).generate(
      demoPrompts(8, 10, 'train'),
      { samplesPerPrompt: 2, seed: 2 },
    );
    const pairs: PairInput[] = pairResponses(rows);
    const poisoned = pairs[4]!;
    const proxy = await quirky({ failRequests: { seed: 3, rate: 0.25, always: poisoned.a } });
    const { cfg, governor } = endpoint(proxy.url, 'local-judge');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quirk-dl-')), 'dead-letters.jsonl');
    const judgeOnce = () =>
      judgeEachPair(new OpenAIPairwiseJudge(cfg, {}, { governor }), pairs, {
        deadLetters: new DeadLetterSet(file),
        seed: 1,
      });
    const result = await judgeOnce();
    const hit = pairs.filter((p) => p.a === poisoned.a || p.b === poisoned.a).map((p) => p.id);
    expect(result.deadLetters.map((d) => d.pairId).sort()).toEqual(hit.sort());
    expect(result.deadLetters.every((d) => d.reason === 'server-error')).toBe(true);
    expect(result.rows).toHaveLength(pairs.length - hit.length);
    // Some questions failed at first and were varied: more requests than questions.
    expect(proxy.stats().requests).toBeGreaterThan(2 * pairs.length + 8);
    // Questions that failed at temperature 0 were answered at a slightly higher one: the labels
    // stay soft labels from logprobs, close to the embedded judge's.
    expect(result.answers).toEqual({ logprobs: 2 * result.rows.length, text: 0 });
    for (const r of result.rows)
      expect(r.p).toBeCloseTo(
        0.5 * (local.compare(r.prompt, r.a, r.b) + 1 - local.compare(r.prompt, r.b, r.a)),
        1,
      );
    // A retried attempt meets the same dead pairs: the file keeps one line each.
    await judgeOnce();
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(hit.length);
  });
});
