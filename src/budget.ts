/**
 * Spend and budget: tokens and money spent on endpoints, summed from stage metrics (each
 * endpoint-backed stage reports `<stage>PromptTokens`, `<stage>CompletionTokens` and, with a
 * price table, `<stage>Cost`). Workflow-safe.
 */
import { ConfigError } from './config/errors';

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

/** The largest caps a budget may set, as the run config's schema bounds them. */
const MAX_BUDGET_TOKENS = Number.MAX_SAFE_INTEGER;
const MAX_BUDGET_COST = 1e12;

const RAISE_USAGE =
  'raiseBudget takes an object with maxTokens (a positive integer), maxCost (a positive number) or both, ' +
  'e.g. {"maxCost": 50}';

/** What a value is, for a message: its type, or the number itself (never a string's content). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

/**
 * The caps a raiseBudget update sends, checked: an object with maxTokens, maxCost or both and no
 * other field, as a run config's budget. Anything else throws a ConfigError saying what is wrong,
 * because a raise that parsed as "no caps" would let a paused run spend without limit.
 */
export function parseBudgetRaise(value: unknown): Budget {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`${RAISE_USAGE}; got ${kindOf(value)}`);
  const extra = Object.keys(value).find((key) => key !== 'maxTokens' && key !== 'maxCost');
  if (extra !== undefined)
    throw new ConfigError(`${RAISE_USAGE}; got the field ${JSON.stringify(extra.slice(0, 40))}`);
  const { maxTokens, maxCost } = value as Record<string, unknown>;
  if (maxTokens === undefined && maxCost === undefined) throw new ConfigError(`${RAISE_USAGE}; got neither`);
  if (maxTokens !== undefined && !(Number.isSafeInteger(maxTokens) && (maxTokens as number) > 0))
    throw new ConfigError(
      `raiseBudget: maxTokens must be a positive integer of at most ${MAX_BUDGET_TOKENS}, got ${kindOf(maxTokens)}`,
    );
  const costOk =
    typeof maxCost === 'number' && Number.isFinite(maxCost) && maxCost > 0 && maxCost <= MAX_BUDGET_COST;
  if (maxCost !== undefined && !costOk)
    throw new ConfigError(
      `raiseBudget: maxCost must be a positive finite number of at most ${MAX_BUDGET_COST}, got ${kindOf(maxCost)}`,
    );
  return {
    ...(maxTokens !== undefined ? { maxTokens: maxTokens as number } : {}),
    ...(maxCost !== undefined ? { maxCost: maxCost as number } : {}),
  };
}
