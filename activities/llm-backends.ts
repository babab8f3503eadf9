/**
 * The endpoint-backed pieces of a run, built in the worker from the run config and the worker's
 * capabilities: the config names endpoints, the worker says where they are and which key they use.
 */
import * as path from 'node:path';
import { WorkerCapabilities } from '../src/capabilities/worker-capabilities';
import { ledgerMirror } from '../src/store/mirrored-files';
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

/** The LLM judge's options, with its template files resolved inside the worker's data roots. */
export async function judgeOptionsOf(
  deps: ActivityDeps,
  config: RunConfig,
): Promise<Partial<LLMJudgeOptions>> {
  const judge = config.judge;
  const named = judge.llm?.templates;
  const templates: Record<string, string> = {};
  for (const [k, ref] of Object.entries(named ?? {})) {
    if (ref !== undefined)
      templates[k] = await capabilitiesOf(deps).dataFile(ref, `judge.llm.templates.${k}`);
  }
  return { ...(judge.llm ?? {}), ...(named ? { templates } : {}), swapOrder: judge.swapOrder };
}

/** The run's LLM judges, sharing the run's judgment ledger (a judgment is paid for once). */
export async function llmJudgesFor(
  deps: ActivityDeps,
  config: RunConfig,
  runKey: string,
): Promise<LLMJudges> {
  const judge = config.judge;
  const options = await judgeOptionsOf(deps, config);
  // The ledger (judgments.jsonl) lives with the run's artifacts, shared by every worker: in the
  // store's folder, or mirrored into the store when this machine's scratch folder is its own.
  const ledger = ledgerMirror(deps.store, runKey);
  await ledger.pull();
  return createLLMJudges({
    endpoint: endpointOf(deps, config, judge.endpoint, 'judge.endpoint'),
    options,
    ledgerDir: path.dirname(ledger.file),
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
