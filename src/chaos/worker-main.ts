/**
 * The chaos suite's worker process: what `rlaif worker` runs (the plugin's activities and the
 * run workflows on task queue "rlaif"), but with the workflow bundle built once by the suite, so
 * a worker replacing a killed one polls within a second instead of re-bundling for several.
 *
 * Usage: node worker-main.js <temporal address> <store root> <workflow bundle file>
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../contracts';
import { RlaifPlugin } from '../plugin';

async function main(): Promise<void> {
  const [address, storeRoot, bundlePath] = process.argv.slice(2);
  if (!address || !storeRoot || !bundlePath) {
    throw new Error('usage: worker-main <temporal address> <store root> <workflow bundle file>');
  }
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue: DEFAULT_TASK_QUEUE,
    workflowBundle: { codePath: bundlePath },
    // The suite's own loopback cluster: its runs name fault proxies whose ports change per scenario.
    plugins: [
      new RlaifPlugin({ storeRoot, registerWorkflows: false, capabilities: { trustRunConfigs: true } }),
    ],
    maxConcurrentActivityTaskExecutions: 4,
    shutdownGraceTime: '2 seconds',
    // A killed worker's sticky queue is abandoned: its workflow tasks move to the shared queue sooner.
    stickyQueueScheduleToStartTimeout: '2 seconds',
  });
  process.stdout.write('worker ready\n');
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
