/**
 * The served judge: the embedded LocalPairwiseJudge behind an LLM-judge text protocol. It reads a
 * comparison (or a single response to rate) out of the request text with the judge prompt's own
 * parser (src/judges/prompt/) and answers like an LLM labeler would, with answer-token
 * log-probabilities that carry the judge's soft label, position bias included. The markers are
 * documented in docs/local-model-server.md.
 */
import { DEMO_TOPICS, FILLER_WORDS, topicOfPrompt } from '../demo/world';
import type { LocalPairwiseJudge } from '../judges/local-judge';
import { LOCAL_JUDGE_WEIGHTS } from '../judges/local-judge';
import { logSigmoid } from '../models/math';
import { parseJudgePrompt, type JudgeTask } from '../judges/prompt/parse';
import { certainWords, finiteLogprob, type Generation, type TokenLogprob } from './generation';

/** The answer when the text holds no comparison the judge can read. */
export const JUDGE_REFUSAL = 'I cannot compare these.';

/**
 * Probability mass left to the few tokens other than the answers ("Response", "The", …), so the
 * answer tokens' probabilities are p·(1 − ε) and (1 − p)·(1 − ε): as a real LLM's would be, they do
 * not quite sum to 1, yet they match the judge's p to 1e-8 before normalization and exactly after.
 */
const OTHER_MASS = 1e-8;
// None of them trims to an answer token, so a client that folds " 1" into "1" reads the same p.
const OTHER_TOKENS = ['Response', 'The', 'I', 'Both'];

/** The judge model's answers to request texts. */
export class JudgeEngine {
  constructor(readonly judge: LocalPairwiseJudge) {}

  /** A fingerprint naming the judge's options (they fix its behaviour). */
  get fingerprint(): string {
    const o = this.judge.options;
    return `fp_judge_b${o.positionBias}_s${o.sharpness}`;
  }

  /** The judge's answer to one request text, with answer-token alternatives. */
  answer(text: string, maxTokens: number | undefined): Generation {
    const task = parseJudgePrompt(text);
    if (task.kind === 'unrecognized') return certainWords(JUDGE_REFUSAL.split(' '), maxTokens);
    if (task.rationale) return certainWords(this.rationale(task).split(' '), maxTokens);
    const dist = task.kind === 'pairwise' ? this.preference(task) : this.scoreDistribution(task);
    const best = dist.reduce((a, b) => (b.logprob > a.logprob ? b : a));
    const top = [...dist, ...others(OTHER_TOKENS)].sort((a, b) => b.logprob - a.logprob);
    return { text: best.token, tokens: [{ ...best, top }], finishReason: 'stop' };
  }

  /** log p and log(1 − p) of "1" and "2", p = LocalPairwiseJudge.compare(prompt, first, second). */
  private preference(task: { prompt: string; first: string; second: string }): TokenLogprob[] {
    const { sharpness, positionBias } = this.judge.options;
    const z =
      sharpness *
        (this.judge.quality(task.prompt, task.first) - this.judge.quality(task.prompt, task.second)) +
      positionBias;
    const keep = Math.log1p(-OTHER_MASS);
    return [
      { token: '1', logprob: finiteLogprob(logSigmoid(z) + keep) },
      { token: '2', logprob: finiteLogprob(logSigmoid(-z) + keep) },
    ];
  }

  /** The distribution over "1".."10" whose expectation is LocalPairwiseJudge.score (same logits). */
  private scoreDistribution(task: { prompt: string; response: string }): TokenLogprob[] {
    const c = 4 + this.judge.quality(task.prompt, task.response);
    const logits = Array.from({ length: 10 }, (_, i) => -((i + 1 - c) ** 2) / 2);
    const max = Math.max(...logits);
    const logZ = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
    const keep = Math.log1p(-OTHER_MASS);
    return logits.map((l, i) => ({ token: String(i + 1), logprob: finiteLogprob(l - logZ + keep) }));
  }

  /** A short rationale computed from the texts: what the judge's quality function sees in each. */
  private rationale(task: Exclude<JudgeTask, { kind: 'unrecognized' }>): string {
    const topic = topicOfPrompt(task.prompt);
    const opening = topic
      ? `The prompt asks about the ${topic.name}.`
      : 'The prompt names no topic I know, so no word counts as on-topic.';
    if (task.kind === 'score') {
      const score = this.judge.score(task.prompt, task.response);
      return `${opening} The response ${describeResponse(task.prompt, task.response)}. It deserves about ${Math.round(score)} out of 10.`;
    }
    const q1 = this.judge.quality(task.prompt, task.first);
    const q2 = this.judge.quality(task.prompt, task.second);
    const verdict =
      Math.abs(q1 - q2) < 1e-9
        ? 'On content the two are equally good.'
        : `On content Response ${q1 > q2 ? 1 : 2} is better.`;
    return [
      opening,
      `Response 1 ${describeResponse(task.prompt, task.first)}.`,
      `Response 2 ${describeResponse(task.prompt, task.second)}.`,
      verdict,
    ].join(' ');
  }
}

function others(tokens: string[]): TokenLogprob[] {
  const l = Math.log(OTHER_MASS / tokens.length);
  return tokens.map((token) => ({ token, logprob: l }));
}

const FILLER = new Set(FILLER_WORDS);

/** Names the words of a response the judge rewards and penalizes, e.g. "uses 2 words about the ocean (wave, tide) …". */
function describeResponse(prompt: string, response: string): string {
  const topic = topicOfPrompt(prompt);
  const words = response.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'is empty';
  const distinct = [...new Set(words)];
  const onTopic = distinct.filter((w) => topic?.words.includes(w));
  const offTopic = distinct.filter(
    (w) => !topic?.words.includes(w) && DEMO_TOPICS.some((t) => t.words.includes(w)),
  );
  const filler = distinct.filter((w) => FILLER.has(w));
  const repeats = words.length - distinct.length;
  const list = (ws: string[]) => `(${ws.join(', ')})`;
  const parts = [
    onTopic.length > 0
      ? `uses ${count(onTopic.length, 'distinct word')} about the ${topic?.name ?? ''} ${list(onTopic)}`
      : 'uses no word of the topic',
  ];
  if (offTopic.length > 0) parts.push(`${count(offTopic.length, 'word')} of other topics ${list(offTopic)}`);
  if (filler.length > 0) parts.push(`${count(filler.length, 'filler word')} ${list(filler)}`);
  if (repeats > 0) parts.push(`${count(repeats, 'repeated word')}`);
  const { minWords, maxWords } = LOCAL_JUDGE_WEIGHTS;
  const outside = words.length < minWords || words.length > maxWords;
  const length = `${count(words.length, 'word')} in all${outside ? `, outside the ${minWords}–${maxWords} words a good answer has` : ''}`;
  return `${parts.join(', ')}; it has ${length}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
