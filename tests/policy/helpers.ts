/** Shared fixtures of the trainer tests: judged pairs in the demo world and a small base policy. */
import { DEMO_TOPICS, FILLER_WORDS, demoPrompts, topicOfPrompt } from '../../src/demo/world';
import { exportPolicyOnnx, initPolicy } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import type { PreferenceRow } from '../../src/stages/types';
import { Rng } from '../../src/util/rng';

/** A judged pair with the given texts and soft label. */
export function prefRow(id: string, prompt: string, a: string, b: string, p: number): PreferenceRow {
  return {
    id,
    promptId: id,
    prompt,
    aId: `${id}#0`,
    bId: `${id}#1`,
    a,
    b,
    pAB: p,
    pBA: 1 - p,
    p,
    flipped: false,
  };
}

/**
 * `count` pairs: one response uses three words of the prompt's topic, the other filler and a word
 * of another topic; which one is `a` alternates, and the last two pairs are exact ties.
 */
export function demoPairs(count: number, seed = 7): PreferenceRow[] {
  const rng = new Rng(seed);
  return demoPrompts(seed, count, 'train').map((p, i) => {
    const topic = topicOfPrompt(p.prompt) ?? DEMO_TOPICS[0]!;
    const other = DEMO_TOPICS[(DEMO_TOPICS.indexOf(topic) + 1) % DEMO_TOPICS.length]!;
    const good = rng.shuffle(topic.words).slice(0, 3).join(' ');
    const bad = [rng.pick(FILLER_WORDS), rng.pick(FILLER_WORDS), rng.pick(other.words)].join(' ');
    if (i >= count - 2) return prefRow(p.id, p.prompt, good, bad, 0.5);
    const q = 0.6 + 0.35 * rng.next();
    return i % 2 === 0 ? prefRow(p.id, p.prompt, good, bad, q) : prefRow(p.id, p.prompt, bad, good, 1 - q);
  });
}

/** A random, untrained policy over the demo vocabulary, as ONNX bytes. */
export function basePolicyOnnx(seed = 3): Uint8Array {
  return exportPolicyOnnx(initPolicy(Vocab.demo(), 8, new Rng(seed), 0.1));
}
