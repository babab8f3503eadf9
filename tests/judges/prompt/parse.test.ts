/**
 * The judge prompt's two sides agree: what the templates fill, the parser reads back; and the
 * local model server's judge answers a prompt the LLM judge filled with the local judge's own p.
 */
import { createLocalJudge } from '../../../src/judges/create';
import { OpenAIPairwiseJudge, OpenAIScoringJudge } from '../../../src/judges/llm-judge';
import { MARKERS, MARKER_LINES } from '../../../src/judges/prompt/markers';
import { parseJudgePrompt } from '../../../src/judges/prompt/parse';
import { loadTemplates, renderPairwise, renderScore } from '../../../src/judges/prompt/templates';
import { JudgeEngine } from '../../../src/model-server/judge-engine';
import { EndpointGovernor } from '../../../src/providers/governor';
import { parseEndpointConfig } from '../../../src/providers/endpoint';
import { chatBody, fakeClient } from '../../helpers/fake-openai';

const templates = loadTemplates();
const exemplars = [
  {
    prompt: 'tell me about the forest',
    response1: 'pine moss',
    response2: 'star comet',
    preferred: 1 as const,
  },
  {
    prompt: 'describe the sky',
    response1: 'the the',
    response2: 'star comet moon',
    preferred: 2 as const,
    rationale: 'Response 2 names the sky.',
  },
];
const parts = {
  exemplars,
  principle: 'prefer the response that stays on topic',
  prompt: 'describe the ocean at night',
  first: 'wave tide coral reef',
  second: 'the star the star',
};

describe('fill, then parse', () => {
  test('every marker the templates write is one the parser reads, as its own kind', () => {
    const kindOf = (line: string) => MARKER_LINES.find(([, re]) => re.test(line))?.[0];
    expect(kindOf(MARKERS.prompt)).toBe('prompt');
    expect(kindOf(MARKERS.response1)).toBe('response1');
    expect(kindOf(MARKERS.response2)).toBe('response2');
    expect(kindOf(MARKERS.response)).toBe('response');
    for (const end of [MARKERS.rationale, MARKERS.preferred, MARKERS.rating]) expect(kindOf(end)).toBe('end');
  });

  test('the pairwise template, with exemplars and a principle, reads back as its comparison', () => {
    expect(parseJudgePrompt(renderPairwise(templates.pairwise, parts))).toEqual({
      kind: 'pairwise',
      prompt: parts.prompt,
      first: parts.first,
      second: parts.second,
      rationale: false,
    });
  });

  test('chain of thought: step 1 asks for a rationale, step 2 carries it and asks for the answer', () => {
    expect(parseJudgePrompt(renderPairwise(templates.rationale, parts))).toMatchObject({
      kind: 'pairwise',
      first: parts.first,
      rationale: true,
    });
    const step2 = renderPairwise(templates.pairwiseCot, { ...parts, rationale: 'Response 1 is on topic.' });
    expect(parseJudgePrompt(step2)).toEqual({
      kind: 'pairwise',
      prompt: parts.prompt,
      first: parts.first,
      second: parts.second,
      rationale: false,
    });
  });

  test('empty and multi-line responses read back as they were filled', () => {
    const multi = 'wave tide\ncoral reef';
    expect(
      parseJudgePrompt(renderPairwise(templates.pairwise, { ...parts, first: '', second: multi })),
    ).toMatchObject({
      first: '',
      second: multi,
    });
  });

  test('the scoring template reads back as its single response, after its exemplars', () => {
    const filled = renderScore(templates.score, {
      exemplars: [{ prompt: 'describe the sky', response: 'star moon', rating: 8 }],
      prompt: parts.prompt,
      response: parts.first,
    });
    expect(parseJudgePrompt(filled)).toEqual({
      kind: 'score',
      prompt: parts.prompt,
      response: parts.first,
      rationale: false,
    });
  });
});

describe("the local model server's judge on prompts the LLM judge filled", () => {
  const local = createLocalJudge({ positionBias: -0.5 });
  const engine = new JudgeEngine(local);
  const cfg = parseEndpointConfig({ baseURL: 'http://fake.test/v1', model: 'local-judge' });
  const governor = () => new EndpointGovernor(cfg, { maxConcurrency: 4 });
  /** A client that answers each request with the engine's answer to the request's text. */
  const served = () =>
    fakeClient((c) => {
      const g = engine.answer(c.text, undefined);
      return chatBody([
        {
          text: g.text,
          tokens: g.tokens.map((t) => ({
            token: t.token,
            logprob: t.logprob,
            top: t.top.map((x): [string, number] => [x.token, x.logprob]),
          })),
        },
      ]);
    });

  test('pairwise, with exemplars and a principle: p is the local judge’s p in that order', async () => {
    const { client, calls } = served();
    const judge = new OpenAIPairwiseJudge(
      cfg,
      { fewShot: exemplars, principles: [parts.principle] },
      { client, governor: governor() },
    );
    const v = await judge.compare(parts.prompt, parts.first, parts.second);
    if (!v.ok) throw new Error(`judge failed: ${v.reason}`);
    expect(v.source).toBe('logprobs');
    expect(v.p).toBeCloseTo(local.compare(parts.prompt, parts.first, parts.second), 6);
    expect(calls[0]?.text).toContain(parts.principle);
  });

  test('scoring: the expected rating is the local judge’s score', async () => {
    const { client } = served();
    const judge = new OpenAIScoringJudge(cfg, {}, { client, governor: governor() });
    const v = await judge.score(parts.prompt, parts.first);
    if (!v.ok) throw new Error(`judge failed: ${v.reason}`);
    expect(v.score).toBeCloseTo(local.score(parts.prompt, parts.first), 6);
  });
});
