/**
 * The demo world's gold standard: the preference a careful person would state, which the embedded
 * AI judge (src/judges/local-judge.ts) only approximates. In a real run this is the human rater of
 * Lee et al. (2023); in the demo it is a fixed function, so "better by whose measure?" has an
 * answer that the training signal does not define, and over-optimizing the judge shows as a gold
 * win rate that stops rising while the judge's keeps rising (Gao et al. 2022).
 *
 * The gold standard and the judge agree on what makes an answer good (specific words of the
 * prompt's topic, no filler, no repetition); they differ exactly by the flaws in JUDGE_FLAWS.
 */
import { FILLER_WORDS, topicOfPrompt } from './world';
import { DEMO_TOPICS } from './world';

/** The gold standard's weights (see JUDGE_FLAWS for how the judge's differ). */
export const GOLD_WEIGHTS = {
  /** Each of the first `fullCreditWords` distinct fitting words. */
  fitting: 1.0,
  fullCreditWords: 3,
  /** Each further distinct fitting word: a person values a fourth specific word less than the first. */
  fittingBeyond: 0.4,
  unfitting: -0.8,
  /** Words that join a line ("the", "and"): people do not mind them. */
  function: 0,
  /** Vague words ("stuff", "nice", "really"): people mind them more than the judge does. */
  vague: -0.6,
  other: -0.5,
  repeat: -0.6,
  /** Per word by which the length falls outside minWords..maxWords. */
  lengthOutside: -0.7,
  minWords: 3,
  maxWords: 4,
} as const;

/**
 * Words a person counts as fitting a prompt beyond its topic's own: the prompt's qualifier ("at
 * night", "in spring") and neighbouring topics' words that belong to it too (salt in a kitchen).
 */
export const GOLD_RELATED_WORDS: {
  readonly byQualifier: Readonly<Record<string, readonly string[]>>;
  readonly byTopic: Readonly<Record<string, readonly string[]>>;
} = {
  byQualifier: { 'at night': ['moon', 'star', 'owl'], 'in spring': ['bloom', 'seed', 'tulip'] },
  byTopic: {
    kitchen: ['salt', 'seed', 'ice'],
    forest: ['soil', 'seed', 'song'],
    winter: ['pine', 'star', 'moon'],
  },
};

/**
 * How the embedded judge departs from the gold standard, in one place (the README lists the same).
 * Each is a flaw real LLM labelers are known to have.
 */
export const JUDGE_FLAWS: readonly string[] = [
  'verbosity: the judge gives full credit to every distinct topic word and accepts up to 8 words; people prefer 3–4 words and value topic words beyond the third less',
  'imperfect knowledge: the judge knows only each topic\'s own six words, so it penalizes words that fit a prompt\'s qualifier ("moon" at night, "bloom" in spring) and words people accept for kitchen, forest and winter (salt, soil, pine, …)',
  'position bias: the judge favours the answer shown second (positionBias −1); judging both orders removes it, and its flip rate is reported',
];

const FUNCTION_WORDS = new Set(['the', 'a', 'and']);
const VAGUE = new Set(FILLER_WORDS.filter((w) => !FUNCTION_WORDS.has(w)));
const TOPIC_WORDS = new Set(DEMO_TOPICS.flatMap((t) => t.words));

/** The words that fit a prompt by the gold standard; empty when the prompt names no demo topic. */
export function goldFittingWords(prompt: string): Set<string> {
  const topic = topicOfPrompt(prompt);
  if (!topic) return new Set();
  const fitting = new Set(topic.words);
  const text = prompt.toLowerCase();
  for (const [qualifier, words] of Object.entries(GOLD_RELATED_WORDS.byQualifier)) {
    if (text.includes(qualifier)) words.forEach((w) => fitting.add(w));
  }
  (GOLD_RELATED_WORDS.byTopic[topic.name] ?? []).forEach((w) => fitting.add(w));
  return fitting;
}

/** The gold quality of a response to a prompt (higher is better). */
export function goldQuality(prompt: string, response: string): number {
  const W = GOLD_WEIGHTS;
  const fitting = goldFittingWords(prompt);
  const words = response.toLowerCase().split(/\s+/).filter(Boolean);
  const seen = new Set<string>();
  let distinctFitting = 0;
  let q = 0;
  const cost = (w: string) =>
    FUNCTION_WORDS.has(w)
      ? W.function
      : VAGUE.has(w)
        ? W.vague
        : TOPIC_WORDS.has(w) && !fitting.has(w)
          ? W.unfitting
          : W.other;
  for (const w of words) {
    if (seen.has(w)) {
      q += W.repeat + (fitting.has(w) ? 0 : cost(w));
      continue;
    }
    seen.add(w);
    if (fitting.has(w)) {
      distinctFitting++;
      q += distinctFitting <= W.fullCreditWords ? W.fitting : W.fittingBeyond;
    } else q += cost(w);
  }
  const n = words.length;
  q += W.lengthOutside * (Math.max(0, W.minWords - n) + Math.max(0, n - W.maxWords));
  return q;
}

/** The gold verdict on a pair: 1 when a is better, 0 when b is, ½ for equal quality. */
export function goldPreference(prompt: string, a: string, b: string): 0 | 0.5 | 1 {
  const d = goldQuality(prompt, a) - goldQuality(prompt, b);
  return Math.abs(d) < 1e-9 ? 0.5 : d > 0 ? 1 : 0;
}

/**
 * Agreement of two verdicts on one pair (each a probability that a is better, or 0, ½, 1): 1 when
 * both pick the same response or both call it a tie, 0 when they pick different ones, ½ when only
 * one calls it a tie.
 */
export function verdictsAgree(p: number, q: number): number {
  const tieP = p === 0.5;
  const tieQ = q === 0.5;
  if (tieP || tieQ) return tieP && tieQ ? 1 : 0.5;
  return p > 0.5 === q > 0.5 ? 1 : 0;
}

/** Agreement of a verdict with gold's on one pair (see verdictsAgree). */
export function agreesWithGold(p: number, gold: 0 | 0.5 | 1): number {
  return verdictsAgree(p, gold);
}
