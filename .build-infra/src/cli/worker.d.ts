/** Running a worker with the plugin, for `rlaif worker` and `rlaif demo`. */
import { Worker } from '@temporalio/worker';
import { type ConnectionSettings } from '../connection';
import { type RlaifPluginOptions } from '../plugin';
export interface WorkerOptions {
    taskQueue?: string;
    plugin?: RlaifPluginOptions;
    /** Activities running at once on this worker. */
    maxConcurrentActivities?: number;
    /** Set false for an activity-only worker (a GPU or API pool on its own task queue). */
    workflows?: boolean;
}
export declare function createWorker(settings: ConnectionSettings, opts?: WorkerOptions): Promise<Worker>;
