/**
 * Spend and budget: tokens and money spent on endpoints, summed from stage metrics (each
 * endpoint-backed stage reports `<stage>PromptTokens`, `<stage>CompletionTokens` and, with a
 * price table, `<stage>Cost`). Workflow-safe.
 */

/** What a run may spend; a missing cap is no cap. */
export interface Budget {
  maxTokens?: number;
  maxCost?: number;
}

export interface Spend {
  tokens: number;
  cost: number;
}

export const NO_SPEND: Spend = { tokens: 0, cost: 0 };

/** The spend recorded in one set of stage or round metrics. */
export function spendOf(metrics: Record<string, number>): Spend {
  let tokens = 0;
  let cost = 0;
  for (const [key, value] of Object.entries(metrics)) {
    if (!Number.isFinite(value)) continue;
    if (key.endsWith('PromptTokens') || key.endsWith('CompletionTokens')) tokens += value;
    else if (key.endsWith('Cost')) cost += value;
  }
  return { tokens, cost };
}

export function addSpend(a: Spend, b: Spend): Spend {
  return { tokens: a.tokens + b.tokens, cost: a.cost + b.cost };
}

/** Whether `spend` has reached a cap of `budget`. */
export function overBudget(spend: Spend, budget: Budget | undefined): boolean {
  if (!budget) return false;
  return (
    (budget.maxTokens !== undefined && spend.tokens >= budget.maxTokens) ||
    (budget.maxCost !== undefined && spend.cost >= budget.maxCost)
  );
}
