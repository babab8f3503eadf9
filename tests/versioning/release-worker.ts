/**
 * A worker that runs a given workflow bundle (e.g. the previous release's) with the current
 * activities, under a build id of our choosing so its workflow tasks can be told apart in history.
 */
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { RlaifPlugin } from '../../src/plugin';
import type { RunEnv } from '../helpers/run-env';

export interface ReleaseWorker {
  buildId: string;
  stop(): Promise<void>;
}

export async function startReleaseWorker(
  env: RunEnv,
  workflowBundle: WorkflowBundleWithSourceMap,
  buildId: string,
): Promise<ReleaseWorker> {
  const connection = await NativeConnection.connect({ address: env.server.address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: env.taskQueue,
    workflowBundle,
    buildId,
    plugins: [new RlaifPlugin({ storeRoot: env.storeRoot, registerWorkflows: false })],
    shutdownGraceTime: '2 seconds',
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    buildId,
    stop() {
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
      })();
      return stopped;
    },
  };
}
