/** The run's data and its initial policy (fitted by SFT), made once per run. */
import type { PreparedRun, RunConfig } from '../src/contracts';
import type { ActivityDeps } from './deps';
export declare function createPrepareActivity(deps: ActivityDeps): (input: {
    runKey: string;
    config: RunConfig;
}) => Promise<PreparedRun>;
