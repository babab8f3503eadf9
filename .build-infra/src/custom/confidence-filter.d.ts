/**
 * An example of a user's own stage: drop judged pairs whose label is too close to a coin flip
 * (|p − ½| below a margin) before the reward model or DPO trains on them. Registered through
 * the plugin's `stages` option and named in the config as `{ "type": "custom", "activity": ... }`.
 */
import type { StageInput, StageOutput } from '../contracts';
import type { LocalArtifactStore } from '../store/local-store';
export declare function createConfidenceFilterStage(store: LocalArtifactStore, minMargin?: number): (input: StageInput) => Promise<StageOutput>;
