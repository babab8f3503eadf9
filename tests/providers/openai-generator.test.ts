import { parseEndpointConfig } from '../../src/providers/endpoint';
import { EndpointGovernor } from '../../src/providers/governor';
import { OpenAIGenerator } from '../../src/providers/openai-generator';
import { chatBody, completionsBody, fakeClient } from '../helpers/fake-openai';

const prompts = [
  { id: 'p1', prompt: 'describe the ocean at night' },
  { id: 'p2', prompt: 'describe the forest' },
];

function setup(extra: Record<string, unknown>, handler: Parameters<typeof fakeClient>[0]) {
  const cfg = parseEndpointConfig({ baseURL: 'http://fake.test/v1', model: 'policy', ...extra });
  const { client, calls } = fakeClient(handler);
  const gen = new OpenAIGenerator(cfg, {
    client,
    governor: new EndpointGovernor(cfg, { maxConcurrency: 4 }),
  });
  return { gen, calls };
}

describe('OpenAIGenerator', () => {
  test('n samples in one request, logprob = sum of token logprobs', async () => {
    const { gen, calls } = setup({}, (c) =>
      chatBody(
        Array.from({ length: Number(c.body.n) }, (_, i) => ({
          text: ` waves ${i}`,
          tokens: [
            { token: ' waves', logprob: -0.5 },
            { token: ` ${i}`, logprob: -1.25 },
          ],
        })),
      ),
    );
    const progress: number[] = [];
    const { rows, usage } = await gen.generate(prompts, {
      samplesPerPrompt: 3,
      seed: 7,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([1, 2]);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.body).toMatchObject({ model: 'policy', n: 3, logprobs: true });
    expect(rows.map((r) => r.id)).toEqual(['p1#0', 'p1#1', 'p1#2', 'p2#0', 'p2#1', 'p2#2']);
    expect(rows[1]).toMatchObject({
      response: 'waves 1',
      logprob: -1.75,
      logprobSource: 'endpoint',
      promptId: 'p1',
    });
    // Each answer reports 2 completion tokens but holds 3 choices of 2 tokens: the choices count.
    expect(usage).toEqual({ promptTokens: 20, completionTokens: 12, requests: 2 });
    // The same prompt gets the same seed whatever the batch; different prompts differ.
    const seeds = calls.map((c) => c.body.seed as number);
    expect(seeds[0]).not.toBe(seeds[1]);
    const again = setup({}, (c) => chatBody(Array.from({ length: Number(c.body.n) }, () => ({ text: 'x' }))));
    await again.gen.generate([prompts[1]!], { samplesPerPrompt: 3, seed: 7 });
    expect(again.calls[0]!.body.seed).toBe(calls.find((c) => c.text === prompts[1]!.prompt)!.body.seed);
  });

  test('parallelSamples sends one request per sample with seed + index; missing logprobs are marked unknown', async () => {
    const { gen, calls } = setup({ parallelSamples: true, temperature: 0.9 }, () =>
      chatBody([{ text: 'calm sea' }]),
    );
    const { rows } = await gen.generate([prompts[0]!], { samplesPerPrompt: 4, seed: 1 });
    // Answers without the logprobs asked for are asked again before the endpoint is taken at its word.
    expect(calls.length).toBeGreaterThanOrEqual(4);
    const seeds = [...new Set(calls.map((c) => c.body.seed as number))].sort((a, b) => a - b);
    expect(seeds.map((s) => s - seeds[0]!)).toEqual([0, 1, 2, 3]);
    expect(calls.every((c) => c.body.n === 1 && c.body.temperature === 0.9)).toBe(true);
    expect(rows.every((r) => r.logprob === 0 && r.logprobSource === 'unknown')).toBe(true);
  });

  test('an endpoint that ignores n is topped up one sample at a time', async () => {
    const { gen, calls } = setup({ requestLogprobs: false }, () => chatBody([{ text: 'only one' }]));
    const { rows } = await gen.generate([prompts[0]!], { samplesPerPrompt: 3, seed: 1 });
    expect(rows).toHaveLength(3);
    expect(calls.map((c) => c.body.n)).toEqual([3, 1, 1]);
  });

  test('completions style sends the raw prompt and reads token_logprobs', async () => {
    const { gen, calls } = setup(
      { style: 'completions', maxTokens: 12, stop: ['\n'], extraBody: { top_k: 5 } },
      () => completionsBody([{ text: ' stars', tokens: [{ token: ' stars', logprob: -2 }] }]),
    );
    const { rows } = await gen.generate([prompts[0]!], { samplesPerPrompt: 1, seed: 1 });
    expect(calls[0]!.style).toBe('completions');
    expect(calls[0]!.body).toMatchObject({
      prompt: prompts[0]!.prompt,
      max_tokens: 12,
      stop: ['\n'],
      top_k: 5,
      logprobs: 1,
    });
    expect(rows[0]).toMatchObject({ response: 'stars', logprob: -2, logprobSource: 'endpoint' });
  });

  test('a body without choices is a transient error, retried', async () => {
    let n = 0;
    const { gen, calls } = setup({ requestLogprobs: false }, () =>
      n++ === 0 ? { nonsense: true } : chatBody([{ text: 'ok' }]),
    );
    const { rows } = await gen.generate([prompts[0]!], { samplesPerPrompt: 1, seed: 1 });
    expect(rows[0]!.response).toBe('ok');
    expect(calls).toHaveLength(2);
  });

  test('an answer that lost the logprobs it asked for is asked again, so its logprob is the same', async () => {
    let n = 0;
    const { gen, calls } = setup({}, () =>
      chatBody([{ text: ' waves', ...(n++ === 0 ? {} : { tokens: [{ token: ' waves', logprob: -0.75 }] }) }]),
    );
    const { rows } = await gen.generate([prompts[0]!], { samplesPerPrompt: 1, seed: 1 });
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body.seed).toBe(calls[0]!.body.seed);
    expect(rows[0]).toMatchObject({ logprob: -0.75, logprobSource: 'endpoint' });
  });

  test("the stage's maxTokens, temperature and topP override the endpoint's", async () => {
    const { gen, calls } = setup(
      { temperature: 0.2, topP: 0.5, maxTokens: 100, requestLogprobs: false },
      (c) => chatBody(Array.from({ length: Number(c.body.n) }, () => ({ text: 'x' }))),
    );
    await gen.generate([prompts[0]!], {
      samplesPerPrompt: 2,
      seed: 1,
      temperature: 0.7,
      topP: 0.9,
      maxTokens: 33,
    });
    expect(calls[0]!.body).toMatchObject({ temperature: 0.7, top_p: 0.9, max_tokens: 33 });
    const plain = setup({ temperature: 0.2, topP: 0.5, maxTokens: 100, requestLogprobs: false }, (c) =>
      chatBody(Array.from({ length: Number(c.body.n) }, () => ({ text: 'x' }))),
    );
    await plain.gen.generate([prompts[0]!], { samplesPerPrompt: 2, seed: 1 });
    expect(plain.calls[0]!.body).toMatchObject({ temperature: 0.2, top_p: 0.5, max_tokens: 100 });
  });

  test('progress is reported on a timer while a slow request is in flight', async () => {
    const { gen } = setup({ requestLogprobs: false }, async (c) => {
      await new Promise((r) => setTimeout(r, 300));
      return chatBody(Array.from({ length: Number(c.body.n) }, () => ({ text: 'slow' })));
    });
    const beats: number[] = [];
    await gen.generate([prompts[0]!], {
      samplesPerPrompt: 2,
      seed: 1,
      progressEveryMs: 40,
      onProgress: (done) => beats.push(done),
    });
    // Several beats with nothing finished yet, then the prompt's own.
    expect(beats.filter((d) => d === 0).length).toBeGreaterThanOrEqual(3);
    expect(beats[beats.length - 1]).toBe(1);
  });
});
