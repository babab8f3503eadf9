/** The served judge: the LLM-judge text protocol, soft labels in the answer-token logprobs, position bias, scores, rationales. */
import OpenAI from 'openai';
import { createLocalJudge } from '../../src/judges/create';
import { exportPolicyOnnx, initPolicy } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { parseJudgePrompt } from '../../src/judges/prompt/parse';
import { JUDGE_REFUSAL } from '../../src/model-server/judge-engine';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';

const PROMPT = 'describe the ocean at night';
const GOOD = 'wave tide coral reef';
const BAD = 'the star the star';
const OK = 'wave the stuff';

/**
 * A pairwise judge prompt in the layout of templates/pairwise.txt: each marker alone on its line,
 * the text on the following lines up to a blank line, one few-shot exemplar before the real input.
 */
function pairwise(prompt: string, first: string, second: string): string {
  return [
    'You are an expert rater. Answer with 1 if Response 1 is better or 2 if Response 2 is better.',
    '',
    'Prompt:',
    'tell me about the forest',
    '',
    'Response 1:',
    'pine moss fern',
    '',
    'Response 2:',
    'star comet',
    '',
    'Preferred Response=1',
    '',
    'Prompt:',
    prompt,
    '',
    'Response 1:',
    first,
    '',
    'Response 2:',
    second,
    '',
    'Consider the coherence, accuracy, coverage and overall quality of each response.',
    '',
    'Preferred Response=',
  ].join('\n');
}

/** A rating prompt on one line per marker, as a hand-written template might do it. */
function rating(prompt: string, response: string): string {
  return `Rate the response from 1 to 10.\nInput: ${prompt}\nResponse: "${response}"\nRate the response on a scale from 1 to 10.\nRating=`;
}

describe('the local judge behind the OpenAI protocol', () => {
  let server: LocalModelServer;
  let biased: LocalModelServer;
  let client: OpenAI;
  let biasedClient: OpenAI;
  const policyOnnx = exportPolicyOnnx(initPolicy(Vocab.demo(), 4));

  beforeAll(async () => {
    server = await startLocalModelServer({ policyOnnx });
    biased = await startLocalModelServer({ policyOnnx, judge: { positionBias: -4, sharpness: 1 } });
    client = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
    biasedClient = new OpenAI({ baseURL: biased.url, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await Promise.all([server.close(), biased.close()]);
  });

  const ask = async (c: OpenAI, text: string, topLogprobs = 5) => {
    const r = await c.chat.completions.create({
      model: 'local-judge',
      messages: [
        { role: 'system', content: 'You are a careful judge.' },
        { role: 'user', content: text },
      ],
      logprobs: true,
      top_logprobs: topLogprobs,
      max_tokens: 1,
    });
    const choice = r.choices[0]!;
    const top = new Map((choice.logprobs?.content?.[0]?.top_logprobs ?? []).map((t) => [t.token, t.logprob]));
    return { content: choice.message.content, top, choice };
  };
  const pOne = (top: Map<string, number>) => {
    const l1 = top.get('1') as number;
    const l2 = top.get('2') as number;
    return Math.exp(l1) / (Math.exp(l1) + Math.exp(l2));
  };

  it('puts p = compare(prompt, first, second) on the tokens "1" and "2" and answers the argmax', async () => {
    const judge = createLocalJudge();
    for (const [a, b] of [
      [GOOD, BAD],
      [BAD, GOOD],
      [OK, GOOD],
      [GOOD, OK],
      [OK, OK],
    ] as const) {
      const { content, top, choice } = await ask(client, pairwise(PROMPT, a, b));
      const p = judge.compare(PROMPT, a, b);
      expect(Math.abs(pOne(top) - p)).toBeLessThan(1e-6);
      // Unnormalized too: the other tokens share only 1e-8 of the mass.
      expect(Math.abs(Math.exp(top.get('1') as number) - p)).toBeLessThan(1e-6);
      expect(content).toBe(p >= 0.5 ? '1' : '2');
      expect(choice.logprobs?.content?.[0]?.token).toBe(content);
      expect(top.size).toBe(5);
      expect(choice.finish_reason).toBe('stop');
    }
  });

  it('shows its position bias: a strongly biased judge flips its verdict when the order is swapped', async () => {
    const judge = createLocalJudge({ positionBias: -4, sharpness: 1 });
    const ab = await ask(biasedClient, pairwise(PROMPT, GOOD, OK));
    const ba = await ask(biasedClient, pairwise(PROMPT, OK, GOOD));
    expect(ab.content).toBe('2');
    expect(ba.content).toBe('2');
    expect(Math.abs(pOne(ab.top) - judge.compare(PROMPT, GOOD, OK))).toBeLessThan(1e-6);
    expect(Math.abs(pOne(ba.top) - judge.compare(PROMPT, OK, GOOD))).toBeLessThan(1e-6);
    // Averaged over both orders the bias cancels and the better answer wins.
    expect(0.5 * (pOne(ab.top) + 1 - pOne(ba.top))).toBeGreaterThan(0.5);
  });

  it('rates a single response with a score distribution whose expectation is score()', async () => {
    const judge = createLocalJudge();
    for (const response of [GOOD, BAD, OK, '']) {
      const { content, top } = await ask(client, rating(PROMPT, response), 20);
      const scores = Array.from({ length: 10 }, (_, i) => String(i + 1));
      const probs = scores.map((s) => Math.exp(top.get(s) as number));
      const z = probs.reduce((a, b) => a + b, 0);
      const expectation = probs.reduce((acc, p, i) => acc + (i + 1) * (p / z), 0);
      expect(Math.abs(expectation - judge.score(PROMPT, response))).toBeLessThan(1e-6);
      const argmax = probs.indexOf(Math.max(...probs)) + 1;
      expect(content).toBe(String(argmax));
    }
  });

  it('writes a rationale computed from the texts when the request ends with "Rationale:", then answers', async () => {
    const text = pairwise(PROMPT, GOOD, BAD).replace(/Preferred Response=$/, 'Rationale:');
    const step1 = await client.chat.completions.create({
      model: 'local-judge',
      messages: [{ role: 'user', content: text }],
    });
    const rationale = step1.choices[0]?.message.content ?? '';
    expect(rationale).toContain('ocean');
    expect(rationale).toContain('wave, tide, coral, reef');
    expect(rationale).toMatch(/Response 2 .*other topics \(star\)/);
    expect(rationale).toContain('On content Response 1 is better.');
    const other = await client.chat.completions.create({
      model: 'local-judge',
      messages: [
        { role: 'user', content: pairwise(PROMPT, OK, GOOD).replace(/Preferred Response=$/, 'Rationale:') },
      ],
    });
    expect(other.choices[0]?.message.content).not.toBe(rationale);

    const step2 = await client.chat.completions.create({
      model: 'local-judge',
      messages: [
        { role: 'user', content: text },
        { role: 'assistant', content: rationale },
        { role: 'user', content: 'Preferred Response=' },
      ],
      logprobs: true,
      top_logprobs: 2,
    });
    const top = new Map(
      (step2.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? []).map((t) => [t.token, t.logprob]),
    );
    expect(Math.abs(pOne(top) - createLocalJudge().compare(PROMPT, GOOD, BAD))).toBeLessThan(1e-6);

    const scoreRationale = await client.chat.completions.create({
      model: 'local-judge',
      messages: [{ role: 'user', content: rating(PROMPT, GOOD).replace(/Rating=$/, 'Explanation:') }],
    });
    expect(scoreRationale.choices[0]?.message.content).toMatch(/deserves about \d+ out of 10/);
  });

  it('refuses text with no recognizable comparison', async () => {
    const r = await client.chat.completions.create({
      model: 'local-judge',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      logprobs: true,
      top_logprobs: 3,
    });
    expect(r.choices[0]?.message.content).toBe(JUDGE_REFUSAL);
    expect(r.choices[0]?.logprobs?.content?.some((t) => t.token === '1' || t.token === '2')).toBe(false);
  });

  it('answers the same protocol on the legacy completions endpoint', async () => {
    const r = await client.completions.create({
      model: 'local-judge',
      prompt: pairwise(PROMPT, GOOD, BAD),
      max_tokens: 1,
      logprobs: 2,
    });
    const top = r.choices[0]?.logprobs?.top_logprobs?.[0] ?? {};
    const p = Math.exp(top['1'] as number) / (Math.exp(top['1'] as number) + Math.exp(top['2'] as number));
    expect(Math.abs(p - createLocalJudge().compare(PROMPT, GOOD, BAD))).toBeLessThan(1e-6);
    expect(r.choices[0]?.text).toBe('1');
  });
});

describe('parseJudgePrompt', () => {
  it('reads the last block of markers, single-line sections and empty responses', () => {
    expect(parseJudgePrompt(pairwise(PROMPT, GOOD, BAD))).toEqual({
      kind: 'pairwise',
      prompt: PROMPT,
      first: GOOD,
      second: BAD,
      rationale: false,
    });
    expect(
      parseJudgePrompt('Prompt: describe the city\nResponse 1:\nResponse 2: neon\nPreferred Response='),
    ).toMatchObject({ first: '', second: 'neon' });
    // An empty response is a blank line after its marker; the instruction after it is not the response.
    expect(parseJudgePrompt(pairwise(PROMPT, '', GOOD))).toMatchObject({
      kind: 'pairwise',
      first: '',
      second: GOOD,
    });
    expect(parseJudgePrompt(pairwise(PROMPT, GOOD, ''))).toMatchObject({
      kind: 'pairwise',
      first: GOOD,
      second: '',
    });
    expect(parseJudgePrompt('Prompt:\nx ocean\n\nResponse:\n\n\nRate it 1 to 10.\n\nRating=')).toEqual({
      kind: 'score',
      prompt: 'x ocean',
      response: '',
      rationale: false,
    });
    expect(parseJudgePrompt(rating(PROMPT, OK))).toEqual({
      kind: 'score',
      prompt: PROMPT,
      response: OK,
      rationale: false,
    });
    expect(parseJudgePrompt('  **Input:** x')).toEqual({ kind: 'unrecognized' });
    expect(parseJudgePrompt('Response 1: a\nResponse 2: b')).toEqual({ kind: 'unrecognized' });
    expect(
      parseJudgePrompt('input: describe the sea\nRESPONSE 1: a\nresponse 2: b\nRationale:'),
    ).toMatchObject({ kind: 'pairwise', rationale: true });
  });
});
