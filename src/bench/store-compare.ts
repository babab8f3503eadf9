/**
 * The S3 store beside the local one, in the same bench run: commit and read latency of a batch
 * (the same rows through each store), and the time of the same Temporal run at ten times the demo
 * size on each, interleaved, as the median of the pair ratios. The S3 server is the Versity
 * gateway the tests use, on this machine's loopback: the figure is the store's own overhead
 * (requests, checksums, conditional writes), not a network's latency.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InProcessOptions } from '../loop/in-process';
import { startS3Server } from '../../devtools/s3-server';
import { LocalArtifactStore } from '../store/local-store';
import { S3ArtifactStore } from '../store/s3-store';
import type { ArtifactStore } from '../store/store';
import { configFor } from './durability-tax';
import { startBenchServer } from './temporal-run';

export interface StoreLatency {
  /** Median milliseconds of committing one batch (rows → committed reference). */
  commitMs: number;
  /** Median milliseconds of reading one batch back on a worker that has not seen it. */
  readMs: number;
  batchBytes: number;
}

export interface StoreCompareFigures {
  local: StoreLatency;
  s3: StoreLatency;
  /** Median over pairs of S3 run seconds / local run seconds. */
  ratio: number;
  ratioRange: [number, number];
  localSeconds: number;
  s3Seconds: number;
  pairs: number;
  sameFigures: boolean;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** A judge batch's worth of rows: 128 preference rows of demo size. */
function batchRows(i: number): unknown[] {
  return Array.from({ length: 128 }, (_, j) => ({
    id: `p${i}-${j}`,
    prompt: 'describe the ocean at night with waves and stars',
    chosen: `the ocean glows under stars ${i} ${j} waves whisper softly`,
    rejected: `filler words repeat repeat ${j}`,
    p: (j % 100) / 100,
    pSwapped: ((j + 7) % 100) / 100,
  }));
}

async function latency(open: () => ArtifactStore, batches: number): Promise<StoreLatency> {
  const writer = open();
  const commits: number[] = [];
  const refs = [];
  for (let i = 0; i < batches; i++) {
    const rows = batchRows(i);
    const t0 = performance.now();
    refs.push(await writer.commitJsonl(`runs/bench/round-0001/judge/batch-${i}.jsonl`, rows));
    commits.push(performance.now() - t0);
  }
  const reader = open();
  const reads: number[] = [];
  for (const ref of refs) {
    const t0 = performance.now();
    await reader.readJsonl(ref);
    reads.push(performance.now() - t0);
  }
  return { commitMs: median(commits), readMs: median(reads), batchBytes: refs[0]?.bytes ?? 0 };
}

export async function compareStores(opts: InProcessOptions, pairs: number): Promise<StoreCompareFigures> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-bench-stores-'));
  const s3 = await startS3Server({ buckets: ['bench'] });
  const saved = { ...process.env };
  Object.assign(process.env, s3.env);
  try {
    let n = 0;
    const local = await latency(() => new LocalArtifactStore(path.join(tmp, 'latency')), 40);
    const remote = await latency(
      () => new S3ArtifactStore('s3://bench/latency', { cacheDir: path.join(tmp, `cache-${++n}`) }),
      40,
    );

    const localBench = await startBenchServer(path.join(tmp, 'store'));
    const s3Bench = await startBenchServer('s3://bench/runs');
    try {
      const config = configFor(opts);
      await localBench.timedRun('warm-local', { ...config, rounds: 1 });
      await s3Bench.timedRun('warm-s3', { ...config, rounds: 1 });
      const ratios: number[] = [];
      const localS: number[] = [];
      const s3S: number[] = [];
      let same = true;
      for (let i = 0; i < pairs; i++) {
        // Alternate which goes first: the machine's other load drifts.
        const order = i % 2 === 0 ? (['local', 's3'] as const) : (['s3', 'local'] as const);
        const got: Record<string, { seconds: number; win?: number }> = {};
        for (const which of order) {
          const bench = which === 'local' ? localBench : s3Bench;
          const r = await bench.timedRun(`stores-${which}-${i}`, config);
          got[which] = {
            seconds: r.seconds,
            ...(r.summary.winRateVsInitial !== undefined ? { win: r.summary.winRateVsInitial } : {}),
          };
        }
        const l = got.local as { seconds: number; win?: number };
        const s = got.s3 as { seconds: number; win?: number };
        same &&= l.win !== undefined && Math.abs((l.win ?? 0) - (s.win ?? NaN)) < 1e-9;
        localS.push(l.seconds);
        s3S.push(s.seconds);
        ratios.push(s.seconds / l.seconds);
      }
      return {
        local,
        s3: remote,
        ratio: median(ratios),
        ratioRange: [Math.min(...ratios), Math.max(...ratios)],
        localSeconds: median(localS),
        s3Seconds: median(s3S),
        pairs,
        sameFigures: same,
      };
    } finally {
      await s3Bench.close();
      await localBench.close();
    }
  } finally {
    for (const k of Object.keys(s3.env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await s3.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
