/** Token usage of endpoint calls, accumulated per stage and round, and its cost from a price table. */
import type { Price } from './endpoint';

/** Tokens and requests spent by some endpoint calls. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** Requests that reached the endpoint and returned (retries of failed attempts are not counted). */
  requests: number;
}

/** No usage. */
export const ZERO_USAGE: Readonly<TokenUsage> = Object.freeze({
  promptTokens: 0,
  completionTokens: 0,
  requests: 0,
});

/** The sum of some usages. */
export function addUsage(...parts: TokenUsage[]): TokenUsage {
  const out = { promptTokens: 0, completionTokens: 0, requests: 0 };
  for (const p of parts) {
    out.promptTokens += p.promptTokens;
    out.completionTokens += p.completionTokens;
    out.requests += p.requests;
  }
  return out;
}

/** Usage of one chat/completions response body (`usage` may be missing on some servers). */
export function usageOf(body: {
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}): TokenUsage {
  return {
    promptTokens: body.usage?.prompt_tokens ?? 0,
    completionTokens: body.usage?.completion_tokens ?? 0,
    requests: 1,
  };
}

/** Model name → price; models without a price cost nothing in the report (and are listed as unpriced). */
export type PriceTable = Record<string, Price>;

/** Cost of some usage at a price (price per million tokens). */
export function costOf(usage: TokenUsage, price: Price): number {
  return (
    (usage.promptTokens / 1e6) * price.inputPerMTok + (usage.completionTokens / 1e6) * price.outputPerMTok
  );
}

/** One line of a usage report. */
export interface UsageLine {
  stage: string;
  round: number;
  model: string;
  usage: TokenUsage;
  /** undefined when the model has no price. */
  cost?: number;
}

/** Accumulates usage per (stage, round, model) and prices it. */
export class UsageAccumulator {
  private readonly lines = new Map<string, UsageLine>();

  constructor(private readonly prices: PriceTable = {}) {}

  /** Adds usage to the (stage, round, model) line. */
  add(stage: string, round: number, model: string, usage: TokenUsage): void {
    const key = JSON.stringify([stage, round, model]);
    const line = this.lines.get(key) ?? { stage, round, model, usage: { ...ZERO_USAGE } };
    line.usage = addUsage(line.usage, usage);
    this.lines.set(key, line);
  }

  /** Every line, priced, sorted by round, stage, model. */
  report(): UsageLine[] {
    return [...this.lines.values()]
      .map((l) => {
        const price = this.prices[l.model];
        return { ...l, usage: { ...l.usage }, ...(price ? { cost: costOf(l.usage, price) } : {}) };
      })
      .sort((a, b) => a.round - b.round || a.stage.localeCompare(b.stage) || a.model.localeCompare(b.model));
  }

  /** Totals, optionally restricted to a stage and/or a round; `cost` sums the priced lines only. */
  total(filter: { stage?: string; round?: number } = {}): {
    usage: TokenUsage;
    cost: number;
    unpriced: string[];
  } {
    const lines = this.report().filter(
      (l) =>
        (filter.stage === undefined || l.stage === filter.stage) &&
        (filter.round === undefined || l.round === filter.round),
    );
    return {
      usage: addUsage(...lines.map((l) => l.usage)),
      cost: lines.reduce((a, l) => a + (l.cost ?? 0), 0),
      unpriced: [...new Set(lines.filter((l) => l.cost === undefined).map((l) => l.model))].sort(),
    };
  }
}
