/**
 * Resume cost: a run on a dev server with its worker in a process of its own; the worker is
 * SIGKILLed while the generate stage's one big batch is partly done (its partial file on disk
 * says how far), and a new worker is started at once. Measured:
 *
 * - rows recomputed: rows the dead attempt had written to the batch's partial file, minus the rows
 *   the retried attempt kept (its first heartbeat says how many). Rows computed in memory but not
 *   yet written when the process died (at most one chunk) are lost too; they are reported as the
 *   bound, since nothing outside the dead process can count them.
 * - times: the new worker's start to polling; the kill to Temporal's retry of the activity (which
 *   waits for the heartbeat timeout of the run's config, whatever the worker does); the retry's
 *   start to new rows on disk; and the new worker's start to new progress, all in one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { startRun } from '../cli/runs';
import { parseRunConfig } from '../config/parse';
import { startDevServer } from '../temporal-server/dev-server';
import { stageKey } from '../store/artifact';
import { LocalArtifactStore } from '../store/local-store';
import { spawnBenchWorker, type BenchWorker } from './worker-process';

export interface ResumeCostOptions {
  /** Prompts of the one generate batch (large enough to be killed in the middle). */
  prompts: number;
  /** Share of the batch's rows on disk when the worker is killed. */
  killAt: number;
}

export interface ResumeCostFigures {
  totalRows: number;
  rowsOnDiskAtKill: number;
  /** Rows the server's last heartbeat carried at the kill (what a heartbeat-only resume would keep). */
  heartbeatRowsAtKill: number;
  rowsKeptByRetry: number;
  /** rowsOnDiskAtKill − rowsKeptByRetry. */
  rowsRecomputed: number;
  /** Rows in flight (computed, not yet written) that a kill can lose: one chunk. */
  inFlightBound: number;
  committedRows: number;
  heartbeatTimeoutSeconds: number;
  workerStartSeconds: number;
  killToRetrySeconds: number;
  retryToProgressSeconds: number;
  workerStartToProgressSeconds: number;
}

/** The generate activity's chunk (prompts per progress message): see activities/generate.ts. */
const GENERATE_CHUNK_PROMPTS = 64;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whole lines in a file (0 when it does not exist). */
function lineCount(file: string): number {
  try {
    const buf = fs.readFileSync(file);
    let n = 0;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
    return n;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`resume bench: timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function measureResumeCost(opts: ResumeCostOptions): Promise<ResumeCostFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-bench-resume-'));
  const server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), uiPort: false });
  const storeRoot = path.join(dir, 'store');
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const workers: BenchWorker[] = [];
  const id = 'bench-resume';
  try {
    const config = parseRunConfig({
      name: 'bench-resume',
      rounds: 1,
      concurrency: 1,
      data: { kind: 'demo', trainPrompts: opts.prompts, evalPrompts: 64 },
      generate: { batchSize: opts.prompts, maxBatches: 1 },
    });
    const k = config.generate.samplesPerPrompt;
    const totalRows = opts.prompts * k;
    const key = stageKey(id, 1, 'generate', 'batch-0000-of-0001.jsonl');
    const store = new LocalArtifactStore(storeRoot);
    const partial = `${store.pathOf(key)}.partial.jsonl`;

    const first = spawnBenchWorker(server.address, storeRoot);
    workers.push(first);
    await first.ready;
    const handle = await startRun(client, config, { workflowId: id });
    await until(
      'the generate batch to be partly done',
      () => (lineCount(partial) >= opts.killAt * totalRows ? true : undefined),
      300_000,
    );
    await first.kill('SIGKILL');
    const killedAt = performance.now();
    const rowsOnDiskAtKill = lineCount(partial);
    const second = spawnBenchWorker(server.address, storeRoot);
    workers.push(second);

    /** The pending generate activity of the round, with its decoded heartbeat details. */
    const pending = async () => {
      const d = await client.workflow.getHandle(`${id}-round-1`).describe();
      const a = d.raw.pendingActivities?.find((p) => p.activityType?.name === 'rlaif.generate');
      if (!a) return undefined;
      const payload = a.heartbeatDetails?.payloads?.[0];
      const details = payload ? defaultPayloadConverter.fromPayload<{ rows?: number }>(payload) : undefined;
      const started = a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
      const startedAt = a.lastStartedTime ? tsToMs(a.lastStartedTime) : 0;
      // Heartbeat details outlive their attempt: only a beat after this attempt's start is its own.
      const own = started && a.lastHeartbeatTime ? tsToMs(a.lastHeartbeatTime) >= startedAt : false;
      return { attempt: a.attempt ?? 1, rows: details?.rows, own, startedAt };
    };
    const atKill = await pending();
    const heartbeatRowsAtKill = atKill?.rows ?? 0;
    const workerReady = await second.ready;
    // The retry's first heartbeat reports the rows it kept; it is sent at once (not throttled).
    const retry = await until(
      "the retried attempt's first heartbeat",
      async () => {
        const p = await pending();
        return p && p.attempt >= 2 && p.own && p.rows !== undefined
          ? { ...p, seenAt: performance.now() }
          : undefined;
      },
      180_000,
    );
    const retrySeenWall = Date.now();
    const rowsKeptByRetry = retry.rows as number;
    const progressAt = await until(
      'new rows after the kill',
      () =>
        lineCount(partial) > rowsKeptByRetry || fs.existsSync(`${store.pathOf(key)}.manifest.json`)
          ? performance.now()
          : undefined,
      180_000,
    );
    const ref = await until('the batch commit', () => store.get(key), 300_000);
    // The figures are in; the rest of the round is not part of this benchmark.
    await handle.terminate('resume benchmark done');
    // The retry's start as the server recorded it, on this clock.
    const retryStartedAt = retry.seenAt - (retrySeenWall - retry.startedAt);
    return {
      totalRows,
      rowsOnDiskAtKill,
      heartbeatRowsAtKill,
      rowsKeptByRetry,
      rowsRecomputed: rowsOnDiskAtKill - rowsKeptByRetry,
      inFlightBound: GENERATE_CHUNK_PROMPTS * k,
      committedRows: ref.count,
      heartbeatTimeoutSeconds: config.timeouts.heartbeatSeconds,
      workerStartSeconds: (workerReady - second.spawnedAt) / 1000,
      killToRetrySeconds: (retryStartedAt - killedAt) / 1000,
      retryToProgressSeconds: (progressAt - retryStartedAt) / 1000,
      workerStartToProgressSeconds: (progressAt - second.spawnedAt) / 1000,
    };
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
    await connection.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
