/**
 * The endpoint-backed pieces of a run, built in the worker from the run config and the worker's
 * capabilities: the config names endpoints, the worker says where they are and which key they use.
 */
import { WorkerCapabilities } from '../src/capabilities/worker-capabilities';
import { createLLMJudges, type LLMJudges } from '../src/judges/create-llm';
import type { LLMJudgeOptions } from '../src/judges/llm-judge';
import type { RunConfig } from '../src/config/schema';
import type { EndpointConfig } from '../src/providers/endpoint';
import { costOf, type TokenUsage } from '../src/providers/usage';
import type { ActivityDeps } from './deps';

const NO_CAPABILITIES = new WorkerCapabilities({}, "no capabilities (the plugin's capabilities option)");

/** What the worker offers runs. */
export function capabilitiesOf(deps: ActivityDeps): WorkerCapabilities {
  return deps.capabilities ?? NO_CAPABILITIES;
}

/** The endpoint the config names in `field`, as this worker resolves it. */
export function endpointOf(
  deps: ActivityDeps,
  config: RunConfig,
  name: string | undefined,
  field: string,
): EndpointConfig {
  return capabilitiesOf(deps).endpoint(config, name, field);
}

/** The judge's template files, each resolved inside the worker's data roots. */
async function templatesOf(deps: ActivityDeps, config: RunConfig): Promise<LLMJudgeOptions['templates']> {
  const named = config.judge.llm?.templates;
  if (!named) return undefined;
  const resolved: Record<string, string> = {};
  for (const [k, ref] of Object.entries(named)) {
    if (ref !== undefined) resolved[k] = await capabilitiesOf(deps).dataFile(ref, `judge.llm.templates.${k}`);
  }
  return resolved;
}

/** The run's LLM judges, sharing the run's judgment ledger (a judgment is paid for once). */
export async function llmJudgesFor(
  deps: ActivityDeps,
  config: RunConfig,
  runKey: string,
): Promise<LLMJudges> {
  const judge = config.judge;
  const templates = await templatesOf(deps, config);
  const options = { ...(judge.llm ?? {}), ...(templates ? { templates } : {}), swapOrder: judge.swapOrder };
  return createLLMJudges({
    endpoint: endpointOf(deps, config, judge.endpoint, 'judge.endpoint'),
    options,
    // The ledger (judgments.jsonl) lives with the run's artifacts, shared by every worker.
    ledgerDir: deps.store.pathOf(`runs/${runKey}/ledger`),
    ...(judge.fallbackEndpoint
      ? {
          fallback: {
            endpoint: endpointOf(deps, config, judge.fallbackEndpoint, 'judge.fallbackEndpoint'),
            options,
          },
        }
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
