import type { RoundMetrics } from '../src/contracts';
/** Where a run is: returned by the `progress` query. */
export interface RunProgress {
    status: 'starting' | 'running' | 'paused' | 'stopping' | 'completed' | 'failed';
    runKey: string;
    round: number;
    rounds: number;
    stage: string;
    batchesDone: number;
    batchesTotal: number;
    /** Metrics of the last completed round. */
    latest?: Record<string, number>;
    history: RoundMetrics[];
    paused: boolean;
    stopAfterRound: boolean;
}
/** Sent by a round to its parent run as stages start, batches finish and stages end. */
export interface StageProgress {
    round: number;
    stage: string;
    batchesDone: number;
    batchesTotal: number;
}
export declare const progressQuery: import("@temporalio/common").QueryDefinition<RunProgress, [], string>;
export declare const pauseUpdate: import("@temporalio/common").UpdateDefinition<RunProgress, [], string>;
export declare const resumeUpdate: import("@temporalio/common").UpdateDefinition<RunProgress, [], string>;
export declare const stopAfterRoundUpdate: import("@temporalio/common").UpdateDefinition<RunProgress, [], string>;
/** Parent → round: pause or resume scheduling new activities. */
export declare const setPausedSignal: import("@temporalio/common").SignalDefinition<[boolean], string>;
/** Round → parent: stage progress. */
export declare const stageProgressSignal: import("@temporalio/common").SignalDefinition<[StageProgress], string>;
export declare const RLAIF_ROUND: import("@temporalio/common/lib/search-attributes").SearchAttributeKey<"INT">;
export declare const RLAIF_STAGE: import("@temporalio/common/lib/search-attributes").SearchAttributeKey<"KEYWORD">;
export declare const RLAIF_STATUS: import("@temporalio/common/lib/search-attributes").SearchAttributeKey<"KEYWORD">;
export declare const RLAIF_CONFIG: import("@temporalio/common/lib/search-attributes").SearchAttributeKey<"KEYWORD">;
