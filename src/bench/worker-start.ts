/**
 * Worker start: `rlaif worker` spawned as a user starts it, timed from the spawn to the server
 * seeing its first workflow-task poll (DescribeTaskQueue lists the poller), once with the bundle
 * `npm run build` made and once bundling the workflows at start (`--bundle-at-start`), alternating
 * which goes first so both see the same machine load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DEFAULT_TASK_QUEUE } from '../contracts';
import { startDevServer } from '../temporal-server/dev-server';
import { spawnBenchWorker } from './worker-process';

export interface WorkerStartFigures {
  /** Seconds from spawn to first poll, per start, with the prebuilt bundle. */
  prebuilt: number[];
  /** The same, bundling at start. */
  bundling: number[];
  /**
   * CPU seconds (user + system, all threads) the worker process had used at its first poll, per
   * start: about the wall time on an idle machine, whatever else the machine is doing now.
   */
  prebuiltCpu: number[];
  bundlingCpu: number[];
}

/** CPU seconds a process has used, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Linux's USER_HZ, the unit of /proc CPU times, on every architecture Node runs on. */
const CLOCK_TICKS = 100;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** The median of `xs` and its range, e.g. `1.62 s (1.40–1.90)`. */
export function describeStarts(xs: readonly number[]): string {
  return `${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}, ${xs.length} starts)`;
}

export { median as medianSeconds };

/** Starts `pairs` workers each way on a dev server of its own. */
export async function measureWorkerStart(pairs = 3): Promise<WorkerStartFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-bench-start-'));
  const server = await startDevServer({ uiPort: false });
  const connection = await Connection.connect({ address: server.address });
  const figures: WorkerStartFigures = { prebuilt: [], bundling: [], prebuiltCpu: [], bundlingCpu: [] };
  try {
    for (let i = 0; i < pairs; i++) {
      const order = i % 2 === 0 ? (['prebuilt', 'bundling'] as const) : (['bundling', 'prebuilt'] as const);
      for (const how of order) {
        const worker = spawnBenchWorker(
          server.address,
          path.join(dir, 'store'),
          how === 'bundling' ? ['--bundle-at-start'] : [],
        );
        try {
          const identity = `${worker.child.pid}@${os.hostname()}`;
          const polledAt = await firstPoll(connection, identity, () => worker.output());
          figures[`${how}Cpu`].push(cpuSeconds(worker.child.pid as number));
          if (how === 'prebuilt' && /bundled the workflows at start/.test(worker.output())) {
            throw new Error(`the prebuilt bundle was not used (run "npm run build"):\n${worker.output()}`);
          }
          figures[how].push((polledAt - worker.spawnedAt) / 1000);
        } finally {
          await worker.kill('SIGTERM');
        }
      }
    }
    return figures;
  } finally {
    await connection.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** performance.now() when the server first lists `identity` among the task queue's workflow pollers. */
async function firstPoll(connection: Connection, identity: string, output: () => string): Promise<number> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: DEFAULT_TASK_QUEUE },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if (pollers?.some((p) => p.identity === identity)) return performance.now();
    if (performance.now() > deadline)
      throw new Error(`worker start: no poll from ${identity} within 120 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
