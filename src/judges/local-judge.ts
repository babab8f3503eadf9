/**
 * The embedded, offline AI judge: a fixed-weight lexical scoring model. It is a different model
 * from the policy (no shared weights, no training) and stands in for an LLM labeler.
 *
 * What it prefers, plainly: for a prompt about a demo topic, a response of 3 to 8 words made of
 * DIFFERENT words of that topic. Each distinct on-topic word earns +1; every word of another topic
 * costs 0.8, every filler word 0.3, every other word (prompt words, topic names) 0.5, every
 * repetition of a word already used 0.6, and every word by which the length falls outside 3..8 costs 0.8.
 * Like a small LLM labeler it has a position bias: a logit added in favour of the first answer
 * (negative: in favour of the second).
 */
import { DEMO_TOPICS, FILLER_WORDS, topicOfPrompt } from '../demo/world';
import { sigmoid } from '../models/math';
import type { PairwiseJudge, ScoringJudge } from './pairwise-judge';

/** The judge's fixed weights (see the module comment). */
export const LOCAL_JUDGE_WEIGHTS = {
  onTopicDistinct: 1.0,
  offTopic: -0.8,
  filler: -0.3,
  other: -0.5,
  repeat: -0.6,
  lengthOutside: -0.8,
  minWords: 3,
  maxWords: 8,
} as const;

/** Options of the local judge. */
export interface LocalJudgeOptions {
  /** Logit added in favour of the answer shown first; negative favours the second. */
  positionBias: number;
  /** Scale from quality difference to preference logit: higher is a more decisive judge. */
  sharpness: number;
}

const FILLER = new Set(FILLER_WORDS);

/** A fixed lexical judge: pairwise soft labels and expected 1–10 scores from one quality function. */
export class LocalPairwiseJudge implements PairwiseJudge, ScoringJudge {
  readonly name: string;

  constructor(readonly options: LocalJudgeOptions) {
    if (!Number.isFinite(options.positionBias))
      throw new Error(`LocalPairwiseJudge: positionBias must be finite, got ${options.positionBias}`);
    if (!(options.sharpness > 0) || !Number.isFinite(options.sharpness)) {
      throw new Error(`LocalPairwiseJudge: sharpness must be a positive number, got ${options.sharpness}`);
    }
    this.name = `local-lexical(bias=${options.positionBias},sharpness=${options.sharpness})`;
  }

  /** The judge's quality of a response to a prompt (higher is better; 0 is a mediocre answer). */
  quality(prompt: string, response: string): number {
    const W = LOCAL_JUDGE_WEIGHTS;
    const topic = topicOfPrompt(prompt);
    const onTopic = new Set(topic?.words ?? []);
    const words = response.toLowerCase().split(/\s+/).filter(Boolean);
    const seen = new Set<string>();
    let q = 0;
    for (const w of words) {
      if (seen.has(w)) {
        q += W.repeat;
        // A repeated off-topic or filler word is still charged for what it is.
        if (!onTopic.has(w)) q += this.wordCost(w);
        continue;
      }
      seen.add(w);
      q += onTopic.has(w) ? W.onTopicDistinct : this.wordCost(w);
    }
    const n = words.length;
    q += W.lengthOutside * (Math.max(0, W.minWords - n) + Math.max(0, n - W.maxWords));
    return q;
  }

  private wordCost(w: string): number {
    if (FILLER.has(w)) return LOCAL_JUDGE_WEIGHTS.filler;
    if (DEMO_TOPICS.some((t) => t.words.includes(w))) return LOCAL_JUDGE_WEIGHTS.offTopic;
    return LOCAL_JUDGE_WEIGHTS.other;
  }

  /** p(first better) = σ(sharpness · (q_first − q_second) + positionBias). */
  compare(prompt: string, first: string, second: string): number {
    const d = this.quality(prompt, first) - this.quality(prompt, second);
    return sigmoid(this.options.sharpness * d + this.options.positionBias);
  }

  /**
   * The expected 1–10 score, read like d-RLAIF reads score-token probabilities: a softmax over
   * s = 1..10 with logits −(s − c)²/2 centred on c = 4 + quality, then Σ s · p(s).
   */
  score(prompt: string, response: string): number {
    const c = 4 + this.quality(prompt, response);
    const logits = Array.from({ length: 10 }, (_, i) => -((i + 1 - c) ** 2) / 2);
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const z = e.reduce((a, b) => a + b, 0);
    return e.reduce((acc, v, i) => acc + (i + 1) * (v / z), 0);
  }
}
