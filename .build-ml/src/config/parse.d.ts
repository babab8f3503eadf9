import { type RunConfig, type StageSpec } from './schema';
/**
 * Validates a parsed JSON value as a run config. `source` names where it came from (a file
 * path, "workflow input") so the message says where to look.
 */
export declare function parseRunConfig(value: unknown, source?: string): RunConfig;
/** The stage DAG a config runs (its explicit stages, or its preset's). */
export declare function stagesOf(config: RunConfig): StageSpec[];
