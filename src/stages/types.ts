/**
 * The rows that flow between stages. They live in the artifact store as JSONL; workflows only
 * ever see references to them.
 */

/** One prompt. Ids are unique within a dataset. */
export interface PromptRow {
  id: string;
  prompt: string;
}

/** One supervised example used to fit the initial policy. */
export interface SftRow {
  prompt: string;
  response: string;
}

/** One sampled response. `id` is `${promptId}#${sample}`. */
export interface ResponseRow {
  id: string;
  promptId: string;
  prompt: string;
  sample: number;
  response: string;
  /** log π(response | prompt) under the policy that sampled it, summed over tokens. */
  logprob: number;
  /**
   * Where `logprob` comes from: 'policy' (the local policy, exact), 'endpoint' (the sum of the
   * token logprobs an OpenAI-compatible endpoint returned) or 'unknown' (the endpoint returned
   * none; `logprob` is then 0 and must not be used, e.g. for KL estimates). Absent means 'policy'.
   */
  logprobSource?: 'policy' | 'endpoint' | 'unknown';
}

/** One AI-judged comparison of two responses to the same prompt. */
export interface PreferenceRow {
  /** `${aId}|${bId}` */
  id: string;
  promptId: string;
  prompt: string;
  aId: string;
  bId: string;
  a: string;
  b: string;
  /** The judge's p(first is better) with a shown first, and with b shown first. */
  pAB: number;
  pBA: number;
  /** Debiased soft label p(a ≻ b) = ½ [pAB + (1 − pBA)]. */
  p: number;
  /** Whether the argmax changed when the order was swapped. */
  flipped: boolean;
}

/** One directly scored response (direct RLAIF): the judge's expected 1–10 score. */
export interface ScoreRow {
  id: string;
  promptId: string;
  prompt: string;
  response: string;
  score: number;
}

/** Called by long stage functions with how many items of the current unit are done. */
export type ProgressFn = (done: number, total: number) => void;
