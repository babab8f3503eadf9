/**
 * The round's stage DAG. Presets expand to the three shapes of the RLAIF literature; a user may
 * instead list stages, including `custom` ones that call an activity registered through the
 * plugin (for instance a filter between judge and reward-model training).
 */
import type { Preset, RunConfig, StageSpec } from './schema';
/** The stage list of each preset. */
export declare function presetStages(preset: Preset): StageSpec[];
/** The stages a config runs, with defaults filled in (optimize-policy's method). */
export declare function expandStages(config: RunConfig): StageSpec[];
/** Problems with a stage graph: unknown or duplicate ids, cycles, missing activity names. */
export declare function checkStageGraph(stages: StageSpec[]): string[];
/** Stage ids in an order that respects `after`, or undefined when there is a cycle. */
export declare function topologicalOrder(stages: StageSpec[]): string[] | undefined;
