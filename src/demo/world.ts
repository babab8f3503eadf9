/**
 * The demo world: a small closed vocabulary of topics, so the embedded models are tiny, train in
 * seconds on a CPU, and their behaviour can be read and checked. Prompts ask about one topic; a
 * good response uses that topic's words. Everything here is generated from a seed; nothing is
 * canned output.
 */
import { Rng, seedFrom } from '../util/rng';
import type { PromptRow, SftRow } from '../stages/types';

/** A topic: the word that names it in a prompt and the content words that belong to it. */
export interface Topic {
  readonly name: string;
  readonly words: readonly string[];
}

export const DEMO_TOPICS: readonly Topic[] = [
  { name: 'ocean', words: ['wave', 'tide', 'coral', 'salt', 'shell', 'reef'] },
  { name: 'forest', words: ['pine', 'moss', 'fern', 'oak', 'trail', 'owl'] },
  { name: 'city', words: ['street', 'tower', 'traffic', 'bridge', 'subway', 'neon'] },
  { name: 'kitchen', words: ['bread', 'spice', 'oven', 'soup', 'knife', 'butter'] },
  { name: 'space', words: ['star', 'orbit', 'comet', 'rocket', 'moon', 'planet'] },
  { name: 'music', words: ['melody', 'rhythm', 'guitar', 'drum', 'chord', 'song'] },
  { name: 'garden', words: ['rose', 'soil', 'seed', 'bloom', 'tulip', 'hedge'] },
  { name: 'winter', words: ['snow', 'frost', 'ice', 'sled', 'scarf', 'fireplace'] },
];

/** Words that carry no content: a judge tolerates a few, penalizes many. */
export const FILLER_WORDS: readonly string[] = [
  'the',
  'a',
  'and',
  'very',
  'so',
  'really',
  'just',
  'thing',
  'stuff',
  'nice',
  'good',
  'okay',
];

const TEMPLATES: readonly string[] = [
  'tell me about the {t}',
  'describe the {t}',
  'write a short line about the {t}',
  'what comes to mind with the {t}',
  'say something about the {t}',
];
const MODIFIERS: readonly string[] = ['', ' at night', ' in spring', ' today', ' please'];

/** Every word a prompt or response of the demo world can contain, in a fixed order. */
export function demoWords(): string[] {
  const words = new Set<string>();
  const add = (text: string) =>
    text
      .split(/\s+/)
      .filter(Boolean)
      .forEach((w) => words.add(w));
  for (const t of TEMPLATES) add(t.replace('{t}', ''));
  for (const m of MODIFIERS) add(m);
  for (const topic of DEMO_TOPICS) {
    words.add(topic.name);
    topic.words.forEach((w) => words.add(w));
  }
  FILLER_WORDS.forEach((w) => words.add(w));
  return [...words];
}

/** The topic a prompt asks about, or undefined when it names none. */
export function topicOfPrompt(prompt: string): Topic | undefined {
  const words = new Set(prompt.toLowerCase().split(/\s+/));
  return DEMO_TOPICS.find((t) => words.has(t.name));
}

/**
 * Demo prompts for one split. Train and eval prompts come from separate seeded streams and carry
 * split-prefixed ids, so no held-out id is ever trained on.
 */
export function demoPrompts(seed: number, count: number, split: 'train' | 'eval'): PromptRow[] {
  const rng = new Rng(seedFrom(seed, 'prompts', split));
  const rows: PromptRow[] = [];
  for (let i = 0; i < count; i++) {
    const topic = rng.pick(DEMO_TOPICS);
    const text = rng.pick(TEMPLATES).replace('{t}', topic.name) + rng.pick(MODIFIERS);
    rows.push({ id: `${split}-${String(i).padStart(5, '0')}`, prompt: text });
  }
  return rows;
}

/**
 * The supervised fine-tuning corpus: responses of uneven quality (some on-topic words, some
 * filler, some words of other topics, uneven lengths), so the fitted policy starts mediocre and
 * the AI feedback has something to improve.
 */
export function demoSftCorpus(seed: number, count: number): SftRow[] {
  const rng = new Rng(seedFrom(seed, 'sft'));
  const rows: SftRow[] = [];
  for (let i = 0; i < count; i++) {
    const topic = rng.pick(DEMO_TOPICS);
    const prompt = rng.pick(TEMPLATES).replace('{t}', topic.name) + rng.pick(MODIFIERS);
    const length = 2 + rng.int(9);
    const words: string[] = [];
    for (let j = 0; j < length; j++) {
      const u = rng.next();
      if (u < 0.3) words.push(rng.pick(topic.words));
      else if (u < 0.5) words.push(rng.pick(rng.pick(DEMO_TOPICS).words));
      else words.push(rng.pick(FILLER_WORDS));
    }
    rows.push({ prompt, response: words.join(' ') });
  }
  return rows;
}
