/**
 * A resumable batch: its finished rows are appended to a partial file as they come, each with a
 * checksum, and the heartbeat says how many. A retried attempt keeps the verified rows the file
 * holds and computes only the rest, so a crash mid-batch loses at most the group of rows being
 * computed. The whole batch is then committed once under its deterministic key.
 */
import { stagesOf } from '../src/config/parse';
import { activityOfStage } from '../src/config/stage-types';
import type { StageInput } from '../src/contracts';
import { keyOfRef, type ArtifactRef } from '../src/store/artifact';
import type { ArtifactStore } from '../src/store/store';
import { reportProgress } from './context';
import type { ActivityDeps } from './deps';

export interface ResumableBatch<T> {
  store: ArtifactStore;
  key: string;
  /** Rows the finished batch will hold. */
  total: number;
  /** Rows come in groups of this many (a prompt's samples); a resumed batch keeps whole groups. */
  unit?: number;
  /**
   * Computes the rows after the first `skip`, calling `emit` with each finished group in order.
   */
  compute: (skip: number, emit: (rows: T[]) => Promise<void>) => Promise<void>;
}

export async function runResumableBatch<T>(
  batch: ResumableBatch<T>,
): Promise<{ ref: ArtifactRef; rows: T[] }> {
  const { store, key, total } = batch;
  const existing = await store.get(key);
  if (existing) return { ref: existing, rows: await store.readJsonl<T>(existing) };

  // The partial file, not the last heartbeat, says what a dead attempt finished: the SDK sends
  // heartbeats at most every 0.8 × the heartbeat timeout (24 s by default), so the server's copy
  // can be far behind, and it can never vouch for rows the file does not hold. Its rows are
  // deterministic for this key, and only verified rows are read (readPartial stops at the first
  // torn, edited or misplaced one, so everything after it is recomputed). Only whole groups are
  // kept: compute resumes at a group's start, so a part of one would be computed twice.
  const onDisk = await store.readPartial<T>(key, total);
  const unit = Math.max(1, batch.unit ?? 1);
  const kept = onDisk.slice(0, Math.floor(onDisk.length / unit) * unit);
  // Rewrite the partial file to exactly the rows kept (a bad tail is dropped).
  if (kept.length > 0) await store.resetPartial(key, kept);
  else await store.clearPartial(key);
  const rows = [...kept];
  reportProgress({ rows: rows.length, total });
  await batch.compute(rows.length, async (more) => {
    await store.appendPartial(key, more, rows.length);
    rows.push(...more);
    reportProgress({ rows: rows.length, total });
  });
  if (rows.length !== total) {
    throw new Error(`batch ${key} produced ${rows.length} rows, expected ${total}`);
  }
  // A concurrent attempt of this activity (a retry started while this one still ran) may have
  // committed first: its rows are the batch, and what we return must describe them.
  const committed = await store.commitRows(key, rows);
  await store.clearPartial(key);
  return committed;
}

/**
 * The activity call that produced a batch output, rebuilt from its key
 * (`runs/<run>/round-<n>/<stage>/batch-<i>-of-<n>.jsonl`) and the consumer's input, whose board
 * holds everything an earlier stage of the round read.
 */
export function producerOf(ref: ArtifactRef, consumer: StageInput): { activity: string; input: StageInput } {
  const key = keyOfRef(ref);
  const m = /^runs\/([^/]+)\/round-(\d+)\/([^/]+)\/batch-(\d+)-of-(\d+)\.jsonl$/.exec(key);
  const stage = m ? stagesOf(consumer.config).find((s) => s.id === m[3]) : undefined;
  const activity = stage && activityOfStage(stage);
  if (!m || !activity)
    throw new Error(`artifact ${key} is not a batch output of this run's stages; it cannot be recomputed`);
  return {
    activity,
    input: {
      runKey: m[1] as string,
      round: Number(m[2]),
      stageId: m[3] as string,
      config: consumer.config,
      board: consumer.board,
      batch: { index: Number(m[4]), count: Number(m[5]) },
    },
  };
}

/**
 * Rows of batch outputs an earlier stage produced. An output whose bytes fail their checksum is
 * taken out of the store by the read; its producing batch is then recomputed (same key, same
 * checksum required) and read again, so a corrupted file costs one batch, not the run.
 */
export async function readBatchOutputs<T>(
  deps: ActivityDeps,
  consumer: StageInput,
  refs: readonly ArtifactRef[],
): Promise<T[]> {
  const parts = await Promise.all(refs.map((ref) => readOrRecompute<T>(deps, consumer, ref)));
  return parts.flat();
}

async function readOrRecompute<T>(deps: ActivityDeps, consumer: StageInput, ref: ArtifactRef): Promise<T[]> {
  try {
    return await deps.store.readJsonl<T>(ref);
  } catch (err) {
    // Corrupt now, or taken out by an earlier attempt that died before recomputing it.
    const corrupt = err instanceof Error && err.name === 'ArtifactCorruptError';
    const gone = (err as NodeJS.ErrnoException).code === 'ENOENT' && !(await deps.store.get(keyOfRef(ref)));
    if (!(corrupt || gone) || !deps.rebuild) throw err;
    await deps.rebuild(ref, consumer);
    return deps.store.readJsonl<T>(ref);
  }
}
