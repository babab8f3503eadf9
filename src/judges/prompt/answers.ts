/**
 * Reads the judge's answer out of a model's text, for endpoints that give no logprobs: the answer
 * tags of markers.ts first, then the forms models write when they ignore the tag.
 */
import { PREFERRED_TAG, RATING_TAG } from './markers';

/** Drops a reasoning model's <think>…</think> block. */
export function stripThinking(text: string): string {
  return text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
}

/** The preferred response (1 or 2) stated in a text answer, or undefined when it is not clear. */
export function parsePreference(text: string): 1 | 2 | undefined {
  const t = stripThinking(text);
  const tagged = [...t.matchAll(PREFERRED_TAG)];
  if (tagged.length > 0) return Number((tagged[tagged.length - 1] as RegExpMatchArray)[1]) as 1 | 2;
  const lead = /^\s*[(*"']*\s*(?:Response\s*)?([12])\b/i.exec(t);
  if (lead) return Number(lead[1]) as 1 | 2;
  const better = /\bResponse\s*([12])\s+is\s+(?:better|preferred|superior)/i.exec(t);
  if (better) return Number(better[1]) as 1 | 2;
  const digits = new Set([...t.matchAll(/(?<![\d.])([12])(?![\d.])/g)].map((m) => m[1]));
  if (digits.size === 1) return Number([...digits][0]) as 1 | 2;
  return undefined;
}

/** The 1–10 rating stated in a text answer, or undefined. */
export function parseScore(text: string): number | undefined {
  const t = stripThinking(text);
  const tagged = [...t.matchAll(RATING_TAG)];
  const raw =
    tagged.length > 0
      ? (tagged[tagged.length - 1] as RegExpMatchArray)[1]
      : /^\s*(\d+(?:\.\d+)?)/.exec(t)?.[1];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  return v >= 1 && v <= 10 ? v : undefined;
}
