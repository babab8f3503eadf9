/**
 * `npm run bench`: figures from one run on this machine, printed as a table, the last line one
 * JSON object. Comparisons are ratios measured side by side in the same run. Sections (all by
 * default; `npm run bench -- --only tax,judge` picks some; `--pairs N` sets how many plain/Temporal
 * pairs the tax takes the median of):
 *
 * - tax: the durability tax at the demo size and ten times the prompts (durability-tax.ts), with
 *   where the Temporal run's time went (history-profile.ts).
 * - history: events and bytes of a demo round's history (examples/demo.json), and of history per
 *   round at 100 and at 10,000 prompts.
 * - judge: LLM-judge throughput against a rate ceiling, by concurrency, and with two workers
 *   (judge-throughput.ts).
 * - resume: items recomputed after a SIGKILL mid-stage, and seconds to new progress (resume-cost.ts).
 * - speed: local model speed on the real code paths, and a demo round stage by stage (model-speed.ts).
 * - start: `rlaif worker` spawn to its first poll, with the build's workflow bundle and bundling at
 *   start (worker-start.ts).
 * - store: the S3 store beside the local one: batch commit and read latency, and the same run at
 *   ten times the demo size on each (store-compare.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunConfigInput } from '../config/schema';
import { DEMO_DEFAULTS, runInProcess } from '../loop/in-process';
import { configFor, describeTax, measureTax } from './durability-tax';
import { startPlainProcess, type PlainProcess } from './plain-process';
import { measureJudgeThroughput } from './judge-throughput';
import { measureModelSpeed, type ModelSpeedFigures } from './model-speed';
import { measureResumeCost } from './resume-cost';
import { compareStores } from './store-compare';
import { describeStarts, measureWorkerStart, medianSeconds } from './worker-start';
import { BenchTable } from './table';
import { startBenchServer, type BenchServer } from './temporal-run';

const SECTIONS = ['tax', 'history', 'speed', 'judge', 'resume', 'start', 'store'] as const;
type Section = (typeof SECTIONS)[number];

function selectedSections(argv: readonly string[]): Set<Section> {
  const i = argv.indexOf('--only');
  if (i < 0) return new Set(SECTIONS);
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(
      `--only takes a comma-separated list of ${SECTIONS.join(', ')}; got "${argv[i + 1] ?? ''}"`,
    );
  return new Set(names as Section[]);
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/**
 * Plain/Temporal pairs per size: one pair swings by ±20% with the machine's other load, the
 * median of several interleaved pairs much less. `--pairs N` sets both sizes.
 */
function pairsOf(argv: readonly string[]): { demo: number; '10x': number } {
  const i = argv.indexOf('--pairs');
  if (i < 0) return { demo: 5, '10x': 3 };
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--pairs takes a whole number >= 1; got "${argv[i + 1] ?? ''}"`);
  return { demo: n, '10x': n };
}

async function taxSection(bench: BenchServer, table: BenchTable): Promise<void> {
  const pairs = pairsOf(process.argv.slice(2));
  const plain = startPlainProcess();
  try {
    // Warm up: the first run pays for module loading and ONNX runtime start in both paths.
    const warm = { ...DEMO_DEFAULTS, rounds: 1 };
    await plain.run(warm);
    await bench.timedRun('warmup', configFor(warm));
    await measureTaxes(bench, plain, table, pairs);
  } finally {
    await plain.close();
  }
}

async function measureTaxes(
  bench: BenchServer,
  plain: PlainProcess,
  table: BenchTable,
  pairs: { demo: number; '10x': number },
): Promise<void> {
  const how =
    'npm run bench -- --only tax (runInProcess in a process of its own vs rlaifRun on a dev server, same config and seed)';
  for (const [label, scale] of [
    ['demo', 1],
    ['10x', 10],
  ] as const) {
    const opts = {
      ...DEMO_DEFAULTS,
      data: { ...DEMO_DEFAULTS.data, trainPrompts: DEMO_DEFAULTS.data.trainPrompts * scale },
    };
    const f = await measureTax(bench, plain, `tax-${label}`, opts, pairs[label]);
    table.add(
      `durability tax, ${label} (${opts.data.trainPrompts} prompts, ${opts.rounds} rounds)`,
      `${fmt(f.tax, 3)}, median of ${f.pairs} interleaved pairs (pair ratios ${fmt(f.taxRange[0], 3)}–${fmt(f.taxRange[1], 3)}; ` +
        `medians plain ${fmt(f.plainSeconds)} s, Temporal ${fmt(f.temporalSeconds)} s; same figures: ${f.sameFigures})`,
      how,
    );
    table.json(
      label === 'demo' ? 'durabilityTaxDemoRange' : 'durabilityTax10xRange',
      f.taxRange.map((r) => Number(r.toFixed(4))),
    );
    table.json(label === 'demo' ? 'durabilityTaxDemo' : 'durabilityTax10x', Number(f.tax.toFixed(4)));
    // CPU is less at the mercy of other load on the machine than wall time.
    const cpuRatio = (f.cpu.temporal + f.cpu.server) / f.cpu.plain;
    table.json(
      label === 'demo' ? 'durabilityCpuRatioDemo' : 'durabilityCpuRatio10x',
      Number(cpuRatio.toFixed(4)),
    );
    for (const [what, value] of describeTax(f))
      table.add(
        `  ${label}: ${what}`,
        value,
        'npm run bench -- --only tax (its histories, /proc CPU times, event-loop delay)',
      );
  }
}

/** The demo's own config, as `npm run demo` runs it. */
const DEMO_JSON = path.join(__dirname, '..', '..', '..', 'examples', 'demo.json');

async function historySection(bench: BenchServer, table: BenchTable): Promise<void> {
  // A demo round as the UI shows it: round 2 (round 1 has no preference pool yet) of the demo.
  const demo = JSON.parse(fs.readFileSync(DEMO_JSON, 'utf8')) as RunConfigInput;
  await bench.timedRun('history-demo', { ...demo, rounds: 2 });
  const demoRound = await bench.historySize('history-demo-round-2');
  table.add(
    'history of a demo round (examples/demo.json, round 2)',
    `${demoRound.events} events, ${(demoRound.encodedBytes / 1000).toFixed(1)} KB as stored (target ≤ 60 events, ≤ 25 KB)`,
    'npm run bench -- --only history (fetchHistory of history-demo-round-2, protobuf-encoded bytes)',
  );
  table.json('demoRoundHistoryEvents', demoRound.events);
  table.json('demoRoundHistoryBytes', demoRound.encodedBytes);
  for (const prompts of [100, 10_000]) {
    const id = `history-${prompts}`;
    await bench.timedRun(id, {
      ...configFor(DEMO_DEFAULTS),
      rounds: 2,
      data: { kind: 'demo', trainPrompts: prompts, evalPrompts: 256, sftExamples: 2000 },
    });
    const round = await bench.historySize(`${id}-round-2`);
    const parent = await bench.historySize(id);
    const perRound = round.bytes + parent.bytes / 2;
    table.add(
      `history per round, ${prompts} prompts`,
      `${round.events} events, ${(round.bytes / 1024).toFixed(1)} KiB round + ${(parent.bytes / 2048).toFixed(1)} KiB of the run's`,
      'npm run bench -- --only history (fetchHistory of round 2 and of the run, JSON bytes)',
    );
    table.json(prompts === 100 ? 'historyBytesPerRound100' : 'historyBytesPerRound10k', Math.round(perRound));
  }
}

async function speedSection(table: BenchTable): Promise<ModelSpeedFigures> {
  const how = 'npm run bench -- --only speed (src/bench/model-speed.ts, one thread)';
  const f = await measureModelSpeed();
  const g = f.generation;
  table.add(
    'generation (policy on onnxruntime-node)',
    `${fmt(g.tokensPerSecond, 0)} tokens/s (${g.tokens} tokens, ${g.responses} responses in ${fmt(g.seconds)} s)`,
    how,
  );
  table.add(
    'local judge, both orders',
    `${fmt(f.judge.pairsPerSecond, 0)} pairs/s (${f.judge.pairs} pairs in ${fmt(f.judge.seconds, 3)} s)`,
    how,
  );
  const rm = f.rewardModel;
  table.add(
    `reward model on onnxruntime-node, batches of ${rm.batch}`,
    `${fmt(rm.rowsPerSecond, 0)} rows/s (${rm.rows} rows in ${fmt(rm.seconds, 3)} s; training took ${fmt(rm.trainSeconds)} s)`,
    how,
  );
  const t = f.trainer;
  table.add(
    'trainer (REINFORCE + KL, reward model)',
    `${fmt(t.stepsPerSecond)} steps/s (${t.steps} steps of ${t.samplesPerStep} samples in ${fmt(t.seconds)} s)`,
    how,
  );
  table.json('generationTokensPerSecond', Math.round(g.tokensPerSecond));
  table.json('judgedPairsPerSecond', Math.round(f.judge.pairsPerSecond));
  table.json('rewardRowsPerSecond', Math.round(rm.rowsPerSecond));
  table.json('trainerStepsPerSecond', Number(t.stepsPerSecond.toFixed(2)));

  const demo = await runInProcess(DEMO_DEFAULTS);
  const last = demo.rounds.at(-1);
  table.add(
    'demo prepare (data + SFT)',
    `${fmt(demo.seconds.prepare)} s`,
    'npm run bench -- --only speed (runInProcess)',
  );
  for (const [stage, s] of Object.entries(last?.seconds ?? {}))
    table.add(
      `demo round ${last?.round} time in ${stage}`,
      `${fmt(s)} s`,
      'npm run bench -- --only speed (runInProcess, last round)',
    );
  table.add('demo total', `${fmt(demo.seconds.total)} s`, 'npm run bench -- --only speed (runInProcess)');
  return f;
}

async function judgeSection(table: BenchTable, speed: ModelSpeedFigures): Promise<void> {
  const how =
    'npm run bench -- --only judge (judgeEachPair → local model server via the fault proxy, 200 ms latency)';
  const rpm = 600;
  const f = await measureJudgeThroughput({
    pairs: speed.pairs,
    latencyMs: 200,
    requestsPerMinute: rpm,
    enforcedWindowMs: 5000,
    ceilingSeconds: 20,
    stepSeconds: 6,
    concurrencies: [1, 2, 4, 8],
    maxConcurrency: 8,
  });
  const c = f.ceiling;
  table.add(
    `judge rate at a ${rpm} rpm ceiling (provider enforces it per 5 s)`,
    `${fmt(c.ratio, 3)} of the ceiling (${fmt(c.requestsPerMinute, 0)} rpm: ${c.requests} requests in ${fmt(c.seconds)} s), ${c.rateLimited} × 429, ${c.failed} failed`,
    how,
  );
  table.json('judgeRateRatio', Number(c.ratio.toFixed(4)));
  table.json('judge429s', c.rateLimited);
  table.json('judgeFailedRequests', c.failed);
  for (const r of f.byConcurrency)
    table.add(
      `judge rate, maxConcurrency ${r.concurrency}, no ceiling`,
      `${fmt(r.requestsPerMinute / 60, 1)} requests/s (${r.requests} in ${fmt(r.seconds)} s; latency bound ${fmt((r.concurrency * 1000) / 200, 0)}/s)`,
      how,
    );
  table.json(
    'judgeRequestsPerSecondByConcurrency',
    Object.fromEntries(
      f.byConcurrency.map((r) => [r.concurrency, Number((r.requestsPerMinute / 60).toFixed(2))]),
    ),
  );
  for (const [label, r] of [
    ['each with the whole ceiling', f.twoWorkersFullCeiling],
    ['each with half the ceiling', f.twoWorkersHalfCeiling],
  ] as const) {
    table.add(
      `two workers on one ${rpm} rpm ceiling, ${label}`,
      `${fmt(r.ratio, 3)} of the ceiling, ${r.rateLimited} × 429, ${r.failed} failed`,
      how,
    );
  }
  table.json('judgeTwoWorkers429sFullCeiling', f.twoWorkersFullCeiling.rateLimited);
  table.json('judgeTwoWorkersRatioHalfCeiling', Number(f.twoWorkersHalfCeiling.ratio.toFixed(4)));
}

async function resumeSection(table: BenchTable): Promise<void> {
  const how = 'npm run bench -- --only resume (rlaif worker SIGKILLed mid-generate on a dev server)';
  const f = await measureResumeCost({ prompts: 40_000, killAt: 0.35 });
  table.add(
    'rows recomputed after a SIGKILL mid-batch',
    `${f.rowsRecomputed} (on disk at the kill ${f.rowsOnDiskAtKill} of ${f.totalRows}, kept by the retry ${f.rowsKeptByRetry}; plus at most ${f.inFlightBound} in flight; committed ${f.committedRows})`,
    how,
  );
  table.add(
    "  the server's last heartbeat at the kill",
    `${f.heartbeatRowsAtKill} rows (heartbeats are throttled to 0.8 × the timeout)`,
    how,
  );
  table.add('new worker start → polling', `${fmt(f.workerStartSeconds)} s`, how);
  table.add(
    'kill → Temporal retries the activity',
    `${fmt(f.killToRetrySeconds)} s (heartbeat timeout ${f.heartbeatTimeoutSeconds} s in the config)`,
    how,
  );
  table.add('retry start → new rows on disk', `${fmt(f.retryToProgressSeconds)} s`, how);
  table.add('new worker start → new progress', `${fmt(f.workerStartToProgressSeconds)} s`, how);
  table.json('redoneItemsAfterKill', f.rowsRecomputed);
  table.json('redoneItemsInFlightBound', f.inFlightBound);
  table.json('workerStartSeconds', Number(f.workerStartSeconds.toFixed(2)));
  table.json('killToRetrySeconds', Number(f.killToRetrySeconds.toFixed(2)));
  table.json('workerStartToProgressSeconds', Number(f.workerStartToProgressSeconds.toFixed(2)));
}

async function startSection(table: BenchTable): Promise<void> {
  const how =
    'npm run bench -- --only start (rlaif worker spawned → DescribeTaskQueue lists its poll; alternating)';
  const f = await measureWorkerStart(3);
  table.add('worker start → first poll, prebuilt bundle', describeStarts(f.prebuilt), how);
  table.add('worker start → first poll, bundling at start', describeStarts(f.bundling), how);
  table.add('  its CPU time at the first poll, prebuilt', describeStarts(f.prebuiltCpu), `${how}; /proc`);
  table.add('  its CPU time at the first poll, bundling', describeStarts(f.bundlingCpu), `${how}; /proc`);
  table.json('workerStartPrebuiltSeconds', Number(medianSeconds(f.prebuilt).toFixed(2)));
  table.json('workerStartBundlingSeconds', Number(medianSeconds(f.bundling).toFixed(2)));
  table.json('workerStartPrebuiltCpuSeconds', Number(medianSeconds(f.prebuiltCpu).toFixed(2)));
}

async function storeSection(table: BenchTable): Promise<void> {
  const how = 'npm run bench -- --only store (src/bench/store-compare.ts; Versity S3 gateway on loopback)';
  const pairs = pairsOf(process.argv.slice(2))['10x'];
  const opts = {
    ...DEMO_DEFAULTS,
    data: { ...DEMO_DEFAULTS.data, trainPrompts: DEMO_DEFAULTS.data.trainPrompts * 10 },
  };
  const f = await compareStores(opts, pairs);
  table.add(
    `batch commit, local / S3 (${f.local.batchBytes} B, 128 rows)`,
    `${fmt(f.local.commitMs)} ms / ${fmt(f.s3.commitMs)} ms (medians of 40)`,
    how,
  );
  table.add(
    'batch read on a worker that has not seen it, local / S3',
    `${fmt(f.local.readMs)} ms / ${fmt(f.s3.readMs)} ms (medians of 40)`,
    how,
  );
  table.add(
    `run at ten times the demo size (${opts.data.trainPrompts} prompts), S3 ÷ local store`,
    `${fmt(f.ratio, 3)}, median of ${f.pairs} interleaved pairs (${fmt(f.ratioRange[0], 3)}–${fmt(f.ratioRange[1], 3)}; ` +
      `local ${fmt(f.localSeconds)} s, S3 ${fmt(f.s3Seconds)} s; same figures: ${f.sameFigures})`,
    how,
  );
  table.json('storeCommitMsLocal', Number(f.local.commitMs.toFixed(2)));
  table.json('storeCommitMsS3', Number(f.s3.commitMs.toFixed(2)));
  table.json('storeReadMsLocal', Number(f.local.readMs.toFixed(2)));
  table.json('storeReadMsS3', Number(f.s3.readMs.toFixed(2)));
  table.json('s3OverLocal10x', Number(f.ratio.toFixed(4)));
}

async function main(): Promise<void> {
  const sections = selectedSections(process.argv.slice(2));
  const table = new BenchTable();
  if (sections.has('tax') || sections.has('history')) {
    const bench = await startBenchServer();
    try {
      if (sections.has('tax')) await taxSection(bench, table);
      if (sections.has('history')) await historySection(bench, table);
    } finally {
      await bench.close();
    }
  }
  if (sections.has('speed') || sections.has('judge')) {
    const speed = await speedSection(table);
    if (sections.has('judge')) await judgeSection(table, speed);
  }
  if (sections.has('resume')) await resumeSection(table);
  if (sections.has('start')) await startSection(table);
  if (sections.has('store')) await storeSection(table);
  table.print();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
