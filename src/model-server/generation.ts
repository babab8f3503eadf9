/** What a served model returns for one choice, before it is put in an API shape. */

/** A candidate token at one position and its log-probability. */
export interface TokenLogprob {
  token: string;
  logprob: number;
}

/** One generated token, its log-probability and the most likely alternatives at its position (best first). */
export interface GeneratedToken extends TokenLogprob {
  top: TokenLogprob[];
}

/** One completion: its text, its tokens (whose strings concatenate to the text) and why it ended. */
export interface Generation {
  text: string;
  tokens: GeneratedToken[];
  finishReason: 'stop' | 'length';
}

/** The most alternatives a request may ask for per position (OpenAI's top_logprobs limit). */
export const MAX_TOP_LOGPROBS = 20;

/** OpenAI's floor for log-probabilities too small to represent (JSON has no −Infinity). */
export const LOGPROB_FLOOR = -9999;

/** A log-probability made safe for JSON. */
export function finiteLogprob(l: number): number {
  return Number.isFinite(l) ? Math.max(l, LOGPROB_FLOOR) : LOGPROB_FLOOR;
}

/** A completion whose text is plain words, each a token with probability 1 (a greedy, deterministic answer). */
export function certainWords(words: string[], maxTokens: number | undefined): Generation {
  const limit = maxTokens ?? words.length;
  const kept = words.slice(0, limit);
  const tokens = kept.map((w, i) => {
    const token = i === 0 ? w : ` ${w}`;
    return { token, logprob: 0, top: [{ token, logprob: 0 }] };
  });
  return {
    text: tokens.map((t) => t.token).join(''),
    tokens,
    finishReason: kept.length < words.length ? 'length' : 'stop',
  };
}
