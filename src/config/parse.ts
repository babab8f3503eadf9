/** Validation of run configs into a `RunConfig`, with one readable line per problem. */
import type { z } from 'zod';
import { ConfigError } from './errors';
import { RunConfigSchema, type RunConfig, type StageSpec } from './schema';
import { expandStages, checkStageGraph, usesServedPolicy } from './stages';

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(config)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** One readable line for a schema problem, naming the field. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key') {
    const why = issue.issues.map((i) => i.message).join('; ');
    return `${formatPath(issue.path)}: not an acceptable name (${why})`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `${formatPath(issue.path)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys
      .map((k) => `"${k}"`)
      .join(', ')}`;
  }
  return `${formatPath(issue.path)}: ${issue.message}`;
}

/**
 * Validates a parsed JSON value as a run config. `source` names where it came from (a file
 * path, "workflow input") so the message says where to look.
 */
export function parseRunConfig(value: unknown, source = 'run config'): RunConfig {
  const result = RunConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(describeIssue);
    throw new ConfigError(`Invalid ${source}:\n  - ${problems.join('\n  - ')}`, problems);
  }
  const config = result.data;
  const problems = [...checkStageGraph(expandStages(config)), ...checkReferences(config)];
  if (problems.length > 0) {
    throw new ConfigError(`Invalid ${source}:\n  - ${problems.join('\n  - ')}`, problems);
  }
  return config;
}

/** The stage DAG a config runs (its explicit stages, or its preset's). */
export function stagesOf(config: RunConfig): StageSpec[] {
  return expandStages(config);
}

/**
 * A policy tuned by fine-tuning jobs exists only as a served model: every round must sample it
 * through an endpoint, and no stage may need its weights. Whether that endpoint's model is
 * "{policy}" is checked where the endpoint is known: here for an inline one, else on the worker.
 */
function checkServedPolicy(config: RunConfig): string[] {
  if (!usesServedPolicy(config)) return [];
  const problems: string[] = [];
  const others = expandStages(config).filter((s) => s.type === 'optimize-policy' && s.method !== 'fine-tune');
  if (others.length > 0)
    problems.push(
      `stages: optimize-policy "${others[0]?.id}" needs the policy's weights, but "fine-tune" makes the policy a served model; use one method`,
    );
  const name = config.generate.endpoint;
  const inline = name ? config.endpoints[name] : undefined;
  if (!name || (inline && !inline.model.includes('{policy}')))
    problems.push(
      'generate.endpoint: with "fine-tune" the policy is a served model; sample it through an endpoint whose model is "{policy}"',
    );
  return problems;
}

function hasScoreStage(config: RunConfig): boolean {
  return expandStages(config).some((s) => s.type === 'score');
}

/**
 * Fields that must go together. Endpoint and trainer names are resolved on the worker, which
 * knows what it offers (src/capabilities/); only their presence is checked here.
 */
function checkReferences(config: RunConfig): string[] {
  const problems: string[] = [];
  if (config.rewardModel.kind === 'embedding' && !config.rewardModel.endpoint) {
    problems.push('rewardModel.endpoint: an embedding reward model needs an embeddings endpoint');
  }
  if (
    config.rewardModel.kind === 'onnx' &&
    (!config.rewardModel.modelFile || !config.rewardModel.tokenizerFile)
  ) {
    problems.push(
      'rewardModel.modelFile: a user-supplied ONNX reward model needs modelFile and tokenizerFile',
    );
  }
  if (config.judge.kind === 'llm' && !config.judge.endpoint) {
    problems.push('judge.endpoint: a judge of kind "llm" needs an endpoint');
  }
  if (config.judge.batchApi && config.judge.kind !== 'llm') {
    problems.push('judge.batchApi: the Batch API needs a judge of kind "llm"');
  }
  if (
    config.judge.batchApi &&
    (config.judge.llm?.chainOfThought || (config.judge.llm?.selfConsistency ?? 1) > 1)
  ) {
    problems.push(
      'judge.batchApi: chain of thought needs two rounds of requests; judge synchronously or turn it off',
    );
  }
  if (config.judge.kind === 'local' && (config.judge.endpoint || config.judge.llm)) {
    problems.push('judge.kind: endpoint and llm options need kind "llm"');
  }
  expandStages(config).forEach((s, i) => {
    if (s.method === 'judge-score' && config.judge.kind === 'llm' && !hasScoreStage(config)) {
      problems.push(
        `stages[${i}].method: "judge-score" with an LLM judge trains on the judge's scores of the round's samples; add a stage of type "score" (the direct preset has one)`,
      );
    }
    if (s.method === 'external' && !config.policy.trainer) {
      problems.push(`stages[${i}].method: "external" needs policy.trainer (the trainer command)`);
    }
    if (s.method === 'fine-tune' && !config.policy.fineTune) {
      problems.push(`stages[${i}].method: "fine-tune" needs policy.fineTune (endpoint and baseModel)`);
    }
  });
  problems.push(...checkServedPolicy(config));
  return problems;
}
