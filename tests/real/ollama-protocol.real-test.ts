/**
 * Ollama's OpenAI-compatible API as the project's client meets it: chat completions with
 * logprobs and top_logprobs in OpenAI's shape, embeddings, and completions without logprobs and
 * with `n` ignored. The raw answers are checked first (what the server really sends), then what
 * the project's request layer makes of them.
 */
import { parseEndpointConfig } from '../../src/providers/endpoint';
import { governorFor } from '../../src/providers/governor';
import { callEndpoint, sampleChoices } from '../../src/providers/openai-call';
import { createClient } from '../../src/providers/endpoint';
import { softLabelFromTokens, expectedScoreFromTokens } from '../../src/judges/llm-judge';
import { JUDGE_MODEL, POLICY_MODEL, startOllamaFixture, type OllamaFixture } from './ollama-fixture';

let fixture: OllamaFixture;
beforeAll(async () => {
  fixture = await startOllamaFixture();
});
afterAll(async () => {
  await fixture?.stop();
});

const JUDGE_PROMPT =
  'Prompt:\ndescribe the ocean at night\n\nResponse 1:\ncalm dark waves\n\nResponse 2:\nthe city lights\n\nPreferred Response=';

async function post(route: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${fixture.ollama.baseURL}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

interface ChatLogprob {
  token: string;
  logprob: number;
  bytes?: number[];
  top_logprobs: Array<{ token: string; logprob: number }>;
}

test('chat completions return logprobs and top_logprobs in OpenAI’s shape, and the judge prefers "1"', async () => {
  const res = await post('/chat/completions', {
    model: JUDGE_MODEL,
    messages: [{ role: 'user', content: JUDGE_PROMPT }],
    temperature: 0,
    max_tokens: 4,
    logprobs: true,
    top_logprobs: 5,
  });
  const choices = res.choices as Array<{
    message: { content: string };
    finish_reason: string;
    logprobs: { content: ChatLogprob[] };
  }>;
  expect(choices).toHaveLength(1);
  expect(choices[0]!.message.content).toBe('1'); // then end of text, not "1111"
  const content = choices[0]!.logprobs.content;
  expect(content.length).toBeGreaterThanOrEqual(1);
  const first = content[0]!;
  expect(first).toEqual(
    expect.objectContaining({ token: '1', logprob: expect.any(Number), top_logprobs: expect.any(Array) }),
  );
  expect(first.top_logprobs).toHaveLength(5);
  const top = new Map(first.top_logprobs.map((t) => [t.token, t.logprob]));
  expect(top.has('1') && top.has('2')).toBe(true);
  expect(top.get('1')!).toBeGreaterThan(top.get('2')!);
  // Ollama counts the end-of-text token in its usage; logprobs do not show it.
  expect(choices[0]!.finish_reason).toBe('stop');
  expect((res.usage as { completion_tokens: number }).completion_tokens).toBe(content.length + 1);

  // The project's request layer reads them, and the soft label is between a coin flip and certainty.
  const cfg = parseEndpointConfig({ baseURL: fixture.ollama.baseURL, model: JUDGE_MODEL });
  const r = await callEndpoint(createClient(cfg), cfg, governorFor(cfg), {
    text: JUDGE_PROMPT,
    n: 1,
    temperature: 0,
    maxTokens: 4,
    logprobs: true,
    topLogprobs: 20,
  });
  const tokens = r.choices[0]!.tokens!;
  expect(tokens[0]!.top).toHaveLength(20);
  const p = softLabelFromTokens(tokens)!;
  expect(p).toBeGreaterThan(0.55);
  expect(p).toBeLessThan(0.95);
  // The 1–10 score reads the same position's alternatives: "1".."10" are single GPT-2 tokens.
  const score = expectedScoreFromTokens(tokens)!;
  expect(score).toBeGreaterThan(1.5);
  expect(score).toBeLessThan(6);
});

test('embeddings: one vector per input, the same text the same vector, another text another', async () => {
  const res = await post('/embeddings', {
    model: JUDGE_MODEL,
    input: ['calm dark waves', 'the city lights', 'calm dark waves'],
  });
  const data = res.data as Array<{ index: number; embedding: number[] }>;
  expect(data.map((d) => d.index)).toEqual([0, 1, 2]);
  const [a, b, c] = data.map((d) => d.embedding);
  expect(a!.length).toBe(64);
  expect(a!.every(Number.isFinite)).toBe(true);
  expect(c).toEqual(a);
  expect(b).not.toEqual(a);
});

test('completions: no logprobs even when asked, and n is ignored — the client falls back for both', async () => {
  const res = await post('/completions', {
    model: JUDGE_MODEL,
    prompt: JUDGE_PROMPT,
    n: 3,
    temperature: 0,
    max_tokens: 4,
    logprobs: 5,
  });
  const choices = res.choices as Array<{ text: string; logprobs?: unknown }>;
  expect(choices).toHaveLength(1);
  expect(choices[0]!.text).toBe('1');
  expect(choices[0]!.logprobs ?? null).toBeNull();

  // Three samples asked of a server that returns one: the missing ones are asked one by one,
  // each with its own seed, and the policy's texts are short runs of its words.
  const cfg = parseEndpointConfig({
    baseURL: fixture.ollama.baseURL,
    model: POLICY_MODEL,
    style: 'completions',
    requestLogprobs: false,
  });
  const r = await sampleChoices(createClient(cfg), cfg, governorFor(cfg), {
    text: 'describe the ocean at night',
    n: 3,
    seed: 11,
    temperature: 1,
    maxTokens: 8,
    logprobs: false,
  });
  expect(r.choices).toHaveLength(3);
  expect(r.usage.requests).toBe(3);
  expect(new Set(r.choices.map((c) => c.text)).size).toBeGreaterThan(1);
  for (const c of r.choices) {
    expect(c.text.trim().split(/\s+/).length).toBeLessThanOrEqual(8);
    expect(c.tokens).toBeUndefined();
  }
});
