import { Client } from '@temporalio/client';
import { type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { RunConfigInput } from '../../src/config/schema';
import { type RlaifPluginOptions } from '../../src/plugin';
import { LocalArtifactStore } from '../../src/store/local-store';
import { type TestServer } from './dev-server';
/** Keep test output readable: the worker logs warnings and errors only. */
export declare function quietRuntime(): void;
/** The workflow bundle, built once per test file (bundling takes seconds). */
export declare function workflowBundle(): Promise<WorkflowBundleWithSourceMap>;
export interface RunEnv {
    server: TestServer;
    client: Client;
    storeRoot: string;
    store: LocalArtifactStore;
    taskQueue: string;
    /** Starts an in-process worker (stopped by `stop`); returns a function that stops it. */
    startWorker(plugin?: Omit<RlaifPluginOptions, 'storeRoot' | 'registerWorkflows'>): Promise<() => Promise<void>>;
    stop(): Promise<void>;
}
export declare function startRunEnv(taskQueue?: string): Promise<RunEnv>;
/** A small, fast run config for tests (the demo shrunk). */
export declare function smallConfig(overrides?: RunConfigInput): RunConfigInput;
/** Every committed key and how many times it was committed. */
export declare function commitCounts(store: LocalArtifactStore): Promise<Map<string, number>>;
