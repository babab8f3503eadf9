/**
 * A resumable batch: its finished rows are appended to a partial file as they come, and the
 * heartbeat says how many. A retried attempt keeps those rows and computes only the rest, so a
 * crash mid-batch loses at most the rows since the last heartbeat. The whole batch is then
 * committed once under its deterministic key.
 */
import type { ArtifactRef } from '../src/store/artifact';
import type { LocalArtifactStore } from '../src/store/local-store';
import { previousProgress, reportProgress } from './context';

export interface ResumableBatch<T> {
  store: LocalArtifactStore;
  key: string;
  /** Rows the finished batch will hold. */
  total: number;
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

  const resumedFrom = previousProgress()?.rows ?? 0;
  const kept = resumedFrom > 0 ? await store.readPartial<T>(key, resumedFrom) : [];
  // Rewrite the partial file to exactly the rows kept (a torn tail is dropped); a fresh start
  // only has to clear what an attempt without heartbeats may have left.
  if (kept.length > 0) await store.resetPartial(key, kept);
  else await store.clearPartial(key);
  const rows = [...kept];
  reportProgress({ rows: rows.length, total });
  await batch.compute(rows.length, async (more) => {
    await store.appendPartial(key, more);
    rows.push(...more);
    reportProgress({ rows: rows.length, total });
  });
  if (rows.length !== total) {
    throw new Error(`batch ${key} produced ${rows.length} rows, expected ${total}`);
  }
  const ref = await store.commitJsonl(key, rows);
  await store.clearPartial(key);
  return { ref, rows };
}
