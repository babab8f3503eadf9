/** The local OpenAI-compatible server, driven by the `openai` SDK: models, policy sampling and logprobs, completions, embeddings, errors. */
import OpenAI from 'openai';
import { exportPolicyOnnx, initPolicy, policyFromOnnx, sequenceLogProb } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { defaultPolicyOnnx } from '../../src/model-server/policy-engine';
import { Rng } from '../../src/util/rng';

const PROMPT = 'describe the ocean at night';

describe('local model server', () => {
  let server: LocalModelServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startLocalModelServer({ port: 0 });
    client = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  const chat = (extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) =>
    client.chat.completions.create({
      model: 'local-policy',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: PROMPT },
      ],
      ...extra,
    });

  it('lists its three models and retrieves one', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['local-policy', 'local-judge', 'local-embed']);
    for (const m of models.data) expect(m).toMatchObject({ object: 'model', owned_by: 'temporal-rlaif' });
    expect((await client.models.retrieve('local-judge')).id).toBe('local-judge');
  });

  it('returns n choices in the chat.completion shape, deterministic given the seed', async () => {
    const a = await chat({ n: 4, seed: 11 });
    expect(a.object).toBe('chat.completion');
    expect(a.id).toMatch(/^chatcmpl-/);
    expect(a.model).toBe('local-policy');
    expect(typeof a.created).toBe('number');
    expect(a.system_fingerprint).toMatch(/^fp_/);
    expect(a.choices).toHaveLength(4);
    a.choices.forEach((c, i) => {
      expect(c.index).toBe(i);
      expect(c.message.role).toBe('assistant');
      expect(['stop', 'length']).toContain(c.finish_reason);
      expect(c.logprobs).toBeNull();
      const vocab = Vocab.demo();
      for (const w of (c.message.content ?? '').split(' ').filter(Boolean)) expect(vocab.has(w)).toBe(true);
    });
    const words = a.choices.reduce(
      (s, c) => s + (c.message.content ?? '').split(' ').filter(Boolean).length,
      0,
    );
    expect(a.usage?.prompt_tokens).toBe(PROMPT.split(' ').length + 3);
    expect(a.usage?.completion_tokens).toBeGreaterThanOrEqual(words);
    expect(a.usage?.total_tokens).toBe((a.usage?.prompt_tokens ?? 0) + (a.usage?.completion_tokens ?? 0));

    const b = await chat({ n: 4, seed: 11 });
    expect(b.choices.map((c) => c.message.content)).toEqual(a.choices.map((c) => c.message.content));
    const many = await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => chat({ n: 4, seed })));
    const distinct = new Set(many.flatMap((r) => r.choices.map((c) => c.message.content)));
    expect(distinct.size).toBeGreaterThan(4);
  });

  it('reports per-token logprobs whose sum is the policy log π(y|x) computed in JS', async () => {
    const policy = policyFromOnnx(await defaultPolicyOnnx());
    const r = await chat({ n: 8, seed: 3, logprobs: true, top_logprobs: 5 });
    for (const c of r.choices) {
      const content = c.logprobs?.content ?? [];
      expect(content.length).toBeGreaterThan(0);
      for (const t of content) {
        expect(Buffer.from(t.bytes ?? []).toString('utf8')).toBe(t.token);
        expect(t.top_logprobs).toHaveLength(5);
        const tops = t.top_logprobs.map((x) => x.logprob);
        expect(tops).toEqual([...tops].sort((x, y) => y - x));
        expect(t.logprob).toBeLessThanOrEqual(0);
        // The sampled token's logprob is at most the best alternative's.
        expect(t.logprob).toBeLessThanOrEqual((tops[0] as number) + 1e-12);
      }
      const words = content.filter((t) => t.token !== '<eos>').map((t) => t.token);
      expect(words.join('')).toBe(c.message.content);
      if (c.finish_reason === 'stop') expect(content[content.length - 1]?.token).toBe('<eos>');
      const sum = content.reduce((s, t) => s + t.logprob, 0);
      expect(Math.abs(sum - sequenceLogProb(policy, PROMPT, c.message.content ?? ''))).toBeLessThan(1e-4);
    }
  });

  it('honours max_completion_tokens, stop, temperature 0 and top_p', async () => {
    const short = await chat({ n: 6, seed: 5, max_completion_tokens: 2 });
    for (const c of short.choices)
      expect((c.message.content ?? '').split(' ').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(short.choices.some((c) => c.finish_reason === 'length')).toBe(true);

    const greedy = await chat({ n: 3, temperature: 0 });
    expect(new Set(greedy.choices.map((c) => c.message.content)).size).toBe(1);
    const narrow = await chat({ n: 3, top_p: 0, seed: 9 });
    expect(narrow.choices.map((c) => c.message.content)).toEqual(
      greedy.choices.map((c) => c.message.content),
    );

    const free = await chat({ n: 16, seed: 2 });
    const word = (
      free.choices.find((c) => (c.message.content ?? '').split(' ').length > 2)?.message.content ?? ''
    ).split(' ')[1] as string;
    const stopped = await chat({ n: 16, seed: 2, stop: [` ${word}`] });
    stopped.choices.forEach((c, i) => {
      expect(c.message.content).not.toContain(` ${word}`);
      expect(free.choices[i]?.message.content?.startsWith(c.message.content ?? '')).toBe(true);
    });
  });

  it('streams the same choices as server-sent events when stream is true', async () => {
    const whole = await chat({ n: 3, seed: 21, logprobs: true, top_logprobs: 2 });
    const stream = await client.chat.completions.create({
      model: 'local-policy',
      messages: [{ role: 'user', content: PROMPT }],
      n: 3,
      seed: 21,
      logprobs: true,
      top_logprobs: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const text = ['', '', ''];
    const logprobs: number[][] = [[], [], []];
    const finish: Array<string | null> = [null, null, null];
    let streamedUsage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.id).toMatch(/^chatcmpl-/);
      if (chunk.usage) streamedUsage = chunk.usage;
      for (const c of chunk.choices) {
        text[c.index] += c.delta.content ?? '';
        for (const t of c.logprobs?.content ?? []) logprobs[c.index]?.push(t.logprob);
        if (c.finish_reason) finish[c.index] = c.finish_reason;
      }
    }
    expect(text).toEqual(whole.choices.map((c) => c.message.content));
    expect(finish).toEqual(whole.choices.map((c) => c.finish_reason));
    expect(logprobs).toEqual(whole.choices.map((c) => (c.logprobs?.content ?? []).map((t) => t.logprob)));
    expect(streamedUsage?.completion_tokens).toBe(whole.usage?.completion_tokens);

    const legacy = await client.completions.create({
      model: 'local-policy',
      prompt: PROMPT,
      seed: 21,
      stream: true,
    });
    let legacyText = '';
    for await (const chunk of legacy) legacyText += chunk.choices[0]?.text ?? '';
    expect(legacyText).toBe(whole.choices[0]?.message.content);
  });

  it('maps words outside the vocabulary to <unk> without failing', async () => {
    const r = await client.chat.completions.create({
      model: 'local-policy',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe the ÖCEAN, zebra-like! ☃' }] }],
      seed: 1,
    });
    expect(r.choices).toHaveLength(1);
  });

  it('serves the legacy completions endpoint with integer logprobs', async () => {
    const r = await client.completions.create({
      model: 'local-policy',
      prompt: [PROMPT, 'tell me about the forest'],
      n: 2,
      seed: 4,
      logprobs: 3,
    });
    expect(r.object).toBe('text_completion');
    expect(r.id).toMatch(/^cmpl-/);
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    const c = r.choices[0]!;
    expect(c.logprobs?.tokens?.length).toBe(c.logprobs?.token_logprobs?.length);
    expect(Object.keys(c.logprobs?.top_logprobs?.[0] ?? {})).toHaveLength(3);
    expect(c.logprobs?.text_offset?.[0]).toBe(0);
    const chatSame = await client.chat.completions.create({
      model: 'local-policy',
      messages: [{ role: 'user', content: PROMPT }],
      n: 2,
      seed: 4,
    });
    expect(r.choices.slice(0, 2).map((x) => x.text)).toEqual(chatSame.choices.map((x) => x.message.content));
  });

  it('embeds text deterministically with a fixed dimension, float or base64', async () => {
    const a = await client.embeddings.create({
      model: 'local-embed',
      input: ['wave tide coral', 'wave tide reef', 'neon subway'],
    });
    expect(a.object).toBe('list');
    expect(a.data).toHaveLength(3);
    expect(a.usage.prompt_tokens).toBe(8);
    const vecs = a.data.map((d) => d.embedding);
    for (const v of vecs) {
      expect(v).toHaveLength(256);
      expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-5);
    }
    const dot = (x: number[], y: number[]) => x.reduce((s, xi, i) => s + xi * (y[i] as number), 0);
    expect(dot(vecs[0]!, vecs[1]!)).toBeGreaterThan(dot(vecs[0]!, vecs[2]!));
    const float = await client.embeddings.create({
      model: 'local-embed',
      input: 'wave tide coral',
      encoding_format: 'float',
    });
    expect(float.data[0]?.embedding).toEqual(vecs[0]);
    const small = await client.embeddings.create({
      model: 'local-embed',
      input: 'wave',
      dimensions: 16,
      encoding_format: 'float',
    });
    expect(small.data[0]?.embedding).toHaveLength(16);
  });

  it('answers errors in the OpenAI shape: 404 unknown model, 400 bad params and malformed JSON, 404 unknown route', async () => {
    await expect(
      client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      param: 'model',
      type: 'invalid_request_error',
    });
    await expect(client.embeddings.create({ model: 'local-policy', input: 'x' })).rejects.toMatchObject({
      status: 404,
    });
    await expect(chat({ temperature: 3 })).rejects.toMatchObject({ status: 400, param: 'temperature' });
    await expect(chat({ top_logprobs: 2 })).rejects.toMatchObject({ status: 400, param: 'top_logprobs' });
    await expect(
      client.chat.completions.create({ model: 'local-policy', messages: [] }),
    ).rejects.toMatchObject({ status: 400, param: 'messages' });

    const raw = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "local-policy", ',
    });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error.message).toMatch(/could not parse the JSON body/);

    const route = await fetch(`${server.url}/nothing`, { method: 'POST', body: '{}' });
    expect(route.status).toBe(404);
    expect(((await route.json()) as { error: { message: string } }).error.message).toBe(
      'Invalid URL (POST /v1/nothing)',
    );
  });

  it('hot-swaps the policy weights', async () => {
    const before = await chat({ n: 4, seed: 8 });
    const other = initPolicy(Vocab.demo(), 6, new Rng(1), 2.0);
    await server.setPolicy(exportPolicyOnnx(other));
    const after = await chat({ n: 4, seed: 8, logprobs: true });
    expect(after.system_fingerprint).not.toBe(before.system_fingerprint);
    for (const c of after.choices) {
      const sum = (c.logprobs?.content ?? []).reduce((s, t) => s + t.logprob, 0);
      expect(Math.abs(sum - sequenceLogProb(other, PROMPT, c.message.content ?? ''))).toBeLessThan(1e-4);
    }
    await expect(server.setPolicy(Uint8Array.of(1, 2, 3))).rejects.toThrow(/setPolicy/);
    await server.setPolicy(await defaultPolicyOnnx());
  });
});

describe('local model server with an API key', () => {
  it('rejects a wrong or missing key with 401 and accepts the right one', async () => {
    const server = await startLocalModelServer({
      apiKey: 'sekret',
      policyOnnx: exportPolicyOnnx(initPolicy(Vocab.demo(), 4)),
    });
    try {
      const wrong = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toMatchObject({
        status: 401,
        code: 'invalid_api_key',
        type: 'invalid_request_error',
      });
      await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const none = await fetch(`${server.url}/models`);
      expect(none.status).toBe(401);
      const right = new OpenAI({ baseURL: server.url, apiKey: 'sekret', maxRetries: 0 });
      expect((await right.models.list()).data).toHaveLength(3);
    } finally {
      await server.close();
    }
  });
});
