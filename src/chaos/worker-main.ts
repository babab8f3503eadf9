/**
 * The chaos suite's worker process: what `rlaif worker` runs (the plugin's activities and the
 * run workflows), but with the workflow bundle built once by the suite, so a worker replacing a
 * killed one polls within a second instead of re-bundling for several.
 *
 * Usage: node worker-main.js <temporal address> <store: folder or s3://bucket/prefix> <workflow bundle file> [task queue]
 *
 * With an S3 store, RLAIF_CHAOS_MULTIPART_FROM sets the size from which objects go multipart,
 * and the suite strikes the store through its hooks (src/store/chaos-hook.ts), driven by lines
 * on this process's stdin:
 *
 * - `hold-commit`: the next commit stops after its object is uploaded and before its manifest,
 *   says `commit-held <key>` on stdout, and goes on at `release` (the suite kills the S3 server
 *   in between, so the commit meets a dead server);
 * - `kill-in-upload`: the next multipart upload of a checkpoint (an ONNX policy or reward model)
 *   stops after a part, not completed, and says `upload-in-flight <name>`: the suite SIGKILLs
 *   this process there;
 * - `disarm`: forget a command the suite stopped waiting for.
 */
import { createInterface } from 'node:readline';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../contracts';
import { RlaifPlugin } from '../plugin';
import { setChaosStoreHooks } from '../store/chaos-hook';
import { openArtifactStore, isS3Spec } from '../store/open-store';
import { S3ArtifactStore } from '../store/s3-store';
import type { ArtifactStore } from '../store/store';

/** The object names of checkpoints: what `kill-in-upload` strikes. */
const CHECKPOINT = /\.onnx\.sha256-[0-9a-f]{64}$/;

/** Longest a hook holds the store when the suite does not act (the run must go on regardless). */
const HOLD_MS = 20_000;

function openStore(spec: string): ArtifactStore {
  if (!isS3Spec(spec)) return openArtifactStore(spec);
  const from = Number(process.env.RLAIF_CHAOS_MULTIPART_FROM ?? 0);
  return new S3ArtifactStore(spec, from > 0 ? { multipartFrom: from } : {});
}

/** Installs the store hooks the suite drives through stdin (see the file's comment). */
function listenToSuite(): void {
  let holdCommit = false;
  let killInUpload = false;
  let release: (() => void) | undefined;
  const until = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      release = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'hold-commit') holdCommit = true;
    else if (line === 'kill-in-upload') killInUpload = true;
    else if (line === 'release') release?.();
    else if (line === 'disarm') holdCommit = killInUpload = false;
  });
  setChaosStoreHooks({
    commitStarted: async (key) => {
      if (!holdCommit) return;
      holdCommit = false;
      process.stdout.write(`commit-held ${key}\n`);
      await until(HOLD_MS);
    },
    uploadInFlight: async (name) => {
      if (!killInUpload || !CHECKPOINT.test(name)) return;
      killInUpload = false;
      process.stdout.write(`upload-in-flight ${name}\n`);
      await until(HOLD_MS);
    },
  });
}

async function main(): Promise<void> {
  const [address, storeSpec, bundlePath, taskQueue] = process.argv.slice(2);
  if (!address || !storeSpec || !bundlePath) {
    throw new Error('usage: worker-main <temporal address> <store> <workflow bundle file> [task queue]');
  }
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  listenToSuite();
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue: taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowBundle: { codePath: bundlePath },
    // The suite's own loopback cluster: its runs name fault proxies whose ports change per scenario.
    plugins: [
      new RlaifPlugin({
        store: openStore(storeSpec),
        registerWorkflows: false,
        capabilities: { trustRunConfigs: true },
      }),
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
