import type { DataConverter } from '@temporalio/common';
import { SimplePlugin } from '@temporalio/plugin';
import type { StageInput, StageOutput } from './contracts';
import { LocalArtifactStore } from './store/local-store';
/** A user's own stage: an activity that reads the round's board and adds to it. */
export type CustomStage = (input: StageInput) => Promise<StageOutput>;
export interface RlaifPluginOptions {
    /** Where artifacts live; every worker of a run must see the same store. Default: $RLAIF_STORE or .rlaif/store. */
    readonly storeRoot?: string;
    /** Custom stages by activity name, to be named in a config's `stages[].activity`. */
    readonly stages?: Readonly<Record<string, CustomStage>>;
    /** A data converter (for instance with an encryption codec) for workers and clients. */
    readonly dataConverter?: DataConverter;
    /** Register this package's workflows on the worker (default true). */
    readonly registerWorkflows?: boolean;
}
/** The path of the workflow-safe entry point that a worker bundles. */
export declare const WORKFLOWS_PATH: string;
export declare class RlaifPlugin extends SimplePlugin {
    /** The artifact store the activities use. */
    readonly store: LocalArtifactStore;
    constructor(options?: RlaifPluginOptions);
}
