/**
 * The endpoint-backed pieces of a run, built in the worker from the run config: API keys are
 * read here from the worker's environment, never carried in the config.
 */
import { createLLMJudges, type LLMJudges } from '../src/judges/create-llm';
import type { RunConfig } from '../src/config/schema';
import { parseEndpointConfig, type EndpointConfig } from '../src/providers/endpoint';
import { costOf, type TokenUsage } from '../src/providers/usage';
import type { LocalArtifactStore } from '../src/store/local-store';
import { ConfigError } from '../src/config/errors';

/** The endpoint named `name` in the config, validated. */
export function endpointOf(config: RunConfig, name: string | undefined): EndpointConfig {
  const endpoint = name === undefined ? undefined : config.endpoints[name];
  if (!endpoint) throw new ConfigError(`no endpoint named "${name}" in the config's endpoints`);
  return parseEndpointConfig(endpoint);
}

/** The run's LLM judges, sharing the run's judgment ledger (a judgment is paid for once). */
export function llmJudgesFor(config: RunConfig, store: LocalArtifactStore, runKey: string): LLMJudges {
  const judge = config.judge;
  const options = { ...(judge.llm ?? {}), swapOrder: judge.swapOrder };
  return createLLMJudges({
    endpoint: endpointOf(config, judge.endpoint),
    options,
    // The ledger (judgments.jsonl) lives with the run's artifacts, shared by every worker.
    ledgerDir: store.pathOf(`runs/${runKey}/ledger`),
    ...(judge.fallbackEndpoint
      ? { fallback: { endpoint: endpointOf(config, judge.fallbackEndpoint), options } }
      : {}),
  });
}

/** Token and cost metrics of an endpoint's usage, prefixed by stage (`judgeTokens`, `judgeCost`). */
export function usageMetrics(
  prefix: string,
  usage: TokenUsage,
  endpoint: EndpointConfig | undefined,
): Record<string, number> {
  const metrics: Record<string, number> = {
    [`${prefix}PromptTokens`]: usage.promptTokens,
    [`${prefix}CompletionTokens`]: usage.completionTokens,
    [`${prefix}Requests`]: usage.requests,
  };
  if (endpoint?.price) metrics[`${prefix}Cost`] = costOf(usage, endpoint.price);
  return metrics;
}
