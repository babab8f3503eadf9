import type { ActivityDeps } from './deps';
export type { ActivityDeps } from './deps';
export declare function createActivities(deps: ActivityDeps): {
    'rlaif.prepare': (input: {
        runKey: string;
        config: import("../src").RunConfig;
    }) => Promise<import("../src").PreparedRun>;
    'rlaif.loadCheckpoint': (input: {
        runKey: string;
    }) => Promise<import("../src").RunCheckpoint | null>;
    'rlaif.saveCheckpoint': (checkpoint: import("../src").RunCheckpoint) => Promise<void>;
    'rlaif.generate': (input: import("../src").StageInput) => Promise<import("../src").StageOutput>;
    'rlaif.judge': (input: import("../src").StageInput) => Promise<import("../src").StageOutput>;
    'rlaif.score': (input: import("../src").StageInput) => Promise<import("../src").StageOutput>;
    'rlaif.trainReward': (input: import("../src").StageInput) => Promise<import("../src").StageOutput>;
    'rlaif.optimizePolicy': (input: import("../src").StageInput & {
        method?: import("../src").StageSpec["method"];
    }) => Promise<import("../src").StageOutput>;
    'rlaif.evaluate': (input: import("../src").StageInput) => Promise<import("../src").StageOutput>;
};
/** The activity interface workflows proxy. */
export type RlaifActivities = ReturnType<typeof createActivities>;
