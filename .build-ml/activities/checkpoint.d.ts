/**
 * The run checkpoint: what the last completed round left (policy, preference pool, metrics).
 * `rlaif resume` starts a new execution on the same run key, which loads it and goes on from
 * the next round; batches of an unfinished round are found committed and not redone.
 */
import type { RunCheckpoint } from '../src/contracts';
import type { ActivityDeps } from './deps';
export declare function createCheckpointActivities(deps: ActivityDeps): {
    loadCheckpoint: (input: {
        runKey: string;
    }) => Promise<RunCheckpoint | null>;
    saveCheckpoint: (checkpoint: RunCheckpoint) => Promise<void>;
};
