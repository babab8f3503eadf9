import type { PromptRow, SftRow } from '../stages/types';
/** A topic: the word that names it in a prompt and the content words that belong to it. */
export interface Topic {
    readonly name: string;
    readonly words: readonly string[];
}
export declare const DEMO_TOPICS: readonly Topic[];
/** Words that carry no content: a judge tolerates a few, penalizes many. */
export declare const FILLER_WORDS: readonly string[];
/** Every word a prompt or response of the demo world can contain, in a fixed order. */
export declare function demoWords(): string[];
/** The topic a prompt asks about, or undefined when it names none. */
export declare function topicOfPrompt(prompt: string): Topic | undefined;
/**
 * Demo prompts for one split. Train and eval prompts come from separate seeded streams and carry
 * split-prefixed ids, so no held-out id is ever trained on.
 */
export declare function demoPrompts(seed: number, count: number, split: 'train' | 'eval'): PromptRow[];
/**
 * The supervised fine-tuning corpus: responses of uneven quality (some on-topic words, some
 * filler, some words of other topics, uneven lengths), so the fitted policy starts mediocre and
 * the AI feedback has something to improve.
 */
export declare function demoSftCorpus(seed: number, count: number): SftRow[];
