/** A real dev server, an in-process worker with the plugin, a client and a temporary store. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { RunConfigInput } from '../../src/config/schema';
import { RlaifPlugin, WORKFLOWS_PATH, type RlaifPluginOptions } from '../../src/plugin';
import type { DevServerOptions } from '../../src/temporal-server/dev-server';
import { LocalArtifactStore } from '../../src/store/local-store';
import { startTestServer, type TestServer } from './dev-server';

/** Keep test output readable: the worker logs warnings and errors only. */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by an earlier call in this test file
  }
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file (bundling takes seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};

export interface RunEnv {
  server: TestServer;
  client: Client;
  storeRoot: string;
  store: LocalArtifactStore;
  taskQueue: string;
  /** Starts an in-process worker (stopped by `stop`); returns a function that stops it. */
  startWorker(
    plugin?: Omit<RlaifPluginOptions, 'storeRoot' | 'registerWorkflows'>,
    queue?: { taskQueue: string; activitiesOnly: boolean },
  ): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

/** `serverOptions` go to the dev server, e.g. `{ uiPort: undefined }` for a UI on a free port. */
export async function startRunEnv(
  taskQueue = 'rlaif',
  serverOptions: DevServerOptions = {},
): Promise<RunEnv> {
  quietRuntime();
  const server = await startTestServer(serverOptions);
  const storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-store-'));
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const workers: Array<() => Promise<void>> = [];
  const startWorker: RunEnv['startWorker'] = async (plugin = {}, queue) => {
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue: queue?.taskQueue ?? taskQueue,
      ...(queue?.activitiesOnly ? {} : { workflowBundle: await workflowBundle() }),
      plugins: [new RlaifPlugin({ ...plugin, storeRoot, registerWorkflows: false })],
      shutdownGraceTime: '2 seconds',
    });
    const running = worker.run();
    let stopped: Promise<void> | undefined;
    const stopWorker = () => {
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await nativeConnection.close();
      })();
      return stopped;
    };
    workers.push(stopWorker);
    return stopWorker;
  };
  return {
    server,
    client,
    storeRoot,
    store: new LocalArtifactStore(storeRoot),
    taskQueue,
    startWorker,
    async stop() {
      await Promise.all(workers.map((w) => w()));
      await connection.close();
      await server.stop();
      fs.rmSync(storeRoot, { recursive: true, force: true });
    },
  };
}

/** A small, fast run config for tests (the demo shrunk). */
export function smallConfig(overrides: RunConfigInput = {}): RunConfigInput {
  return {
    name: 'test-run',
    seed: 7,
    rounds: 2,
    data: { kind: 'demo', trainPrompts: 32, evalPrompts: 32, sftExamples: 300 },
    generate: { batchSize: 8 },
    judge: { batchSize: 8 },
    policy: { optimizer: { steps: 4, promptsPerStep: 8 }, dpo: { epochs: 2 } },
    rewardModel: { epochs: 30 },
    timeouts: { heartbeatSeconds: 3 },
    ...overrides,
  };
}

/** Every committed key and how many times it was committed. */
export async function commitCounts(store: LocalArtifactStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const c of await store.commitLog()) counts.set(c.key, (counts.get(c.key) ?? 0) + 1);
  return counts;
}
