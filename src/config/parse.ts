/** Validation of run configs into a `RunConfig`, with one readable line per problem. */
import type { z } from 'zod';
import { ConfigError } from './errors';
import { RunConfigSchema, type RunConfig, type StageSpec } from './schema';
import { expandStages, checkStageGraph } from './stages';

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(config)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
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
  const problems = checkStageGraph(expandStages(config));
  if (problems.length > 0) {
    throw new ConfigError(`Invalid ${source}:\n  - ${problems.join('\n  - ')}`, problems);
  }
  return config;
}

/** The stage DAG a config runs (its explicit stages, or its preset's). */
export function stagesOf(config: RunConfig): StageSpec[] {
  return expandStages(config);
}
