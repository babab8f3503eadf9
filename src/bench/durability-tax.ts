/**
 * The durability tax: the same loop (same config, same seed, same work) as a plain in-process
 * script and as a Temporal run with the plugin, run back to back; the ratio of wall times. The
 * Temporal figure counts from workflow start to result with the worker already running (its
 * one-off bundling is not part of a run). Both must reach the same win rate, or the comparison is
 * void. The Temporal run's histories say where its extra time went, stage by stage.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runConfigOf, type InProcessOptions } from '../loop/in-process';
import type { RunConfigInput } from '../config/schema';
import { profileHistory, sumProfiles, type HistoryProfile } from './history-profile';
import type { PlainProcess, PlainSample } from './plain-process';
import type { BenchServer } from './temporal-run';

/** The run config of in-process options: the one the in-process loop runs, every option mapped. */
export function configFor(opts: InProcessOptions): RunConfigInput {
  return { ...runConfigOf(opts), name: 'bench' };
}

/** One side-by-side measurement: `pairs` plain/Temporal pairs, interleaved, summarized by medians. */
export interface TaxFigures {
  /** Median over pairs of Temporal seconds / plain seconds. */
  tax: number;
  /** The smallest and largest pair ratio: how much the machine moved the figure. */
  taxRange: [number, number];
  pairs: number;
  /** Medians over the pairs. */
  plainSeconds: number;
  temporalSeconds: number;
  /** Every run of both paths reached the same final win rate (to 1e-9). */
  sameFigures: boolean;
  /** Plain seconds by stage, summed over rounds (prepare included), of the median plain run. */
  plainStages: Record<string, number>;
  /** CPU seconds (all threads) of the plain process, of this process in the Temporal run, and of the Temporal server (medians). */
  cpu: { plain: number; temporal: number; server: number };
  /** The main thread's event-loop delay during the last Temporal run, ms (p50, p99, max). */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** The last Temporal run's rounds (children) and the run itself, profiled. */
  rounds: HistoryProfile;
  run: HistoryProfile;
}

/** Plain stage names by the activity that does the same work. */
export const STAGE_OF_ACTIVITY: Record<string, string> = {
  'rlaif.prepare': 'prepare',
  'rlaif.generate': 'generate',
  'rlaif.judge': 'judge',
  'rlaif.trainReward': 'reward',
  'rlaif.optimizePolicy': 'optimize',
  'rlaif.evaluate': 'evaluate',
};

/** CPU seconds (user + system) of this process since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};

/** CPU seconds a process has used so far, from /proc (Linux); NaN elsewhere. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, counted from the state field (3) here.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * Runs `opts` plain (in the plain process) and on Temporal (workflows `<id>-1`, `<id>-2`, …) `pairs` times, alternating
 * which goes first so that a drift in the machine's speed falls on both, and compares the medians.
 * One pair is at the mercy of whatever else the machine is doing; on a shared 2-core box the same
 * run varies by ±20%.
 */
export async function measureTax(
  bench: BenchServer,
  plain: PlainProcess,
  id: string,
  opts: InProcessOptions,
  pairs = 1,
): Promise<TaxFigures> {
  const serverPid = bench.server.process.pid;
  const plains: PlainSample[] = [];
  const temporals: Array<{ seconds: number; cpu: number; server: number; winRate: number }> = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let lastId = id;
  const timeTemporal = async (runId: string) => {
    const s0 = processCpuSeconds(serverPid);
    const c1 = process.cpuUsage();
    loop.reset();
    loop.enable();
    const run = await bench.timedRun(runId, configFor(opts));
    loop.disable();
    temporals.push({
      seconds: run.seconds,
      cpu: cpuSince(c1),
      server: processCpuSeconds(serverPid) - s0,
      winRate: run.summary.winRateVsInitial ?? NaN,
    });
    lastId = runId;
  };
  for (let i = 0; i < pairs; i++) {
    const runId = pairs === 1 ? id : `${id}-${i + 1}`;
    if (i % 2 === 0) {
      plains.push(await plain.run(opts));
      await timeTemporal(runId);
    } else {
      await timeTemporal(runId);
      plains.push(await plain.run(opts));
    }
  }
  const ratios = temporals.map((t, i) => t.seconds / (plains[i] as PlainSample).seconds);
  const plainWin = plains[0]?.winRate ?? NaN;
  const sameFigures =
    plains.every((p) => Math.abs(p.winRate - plainWin) < 1e-9) &&
    temporals.every((t) => Math.abs(t.winRate - plainWin) < 1e-9);
  const plainSeconds = median(plains.map((p) => p.seconds));
  const medianPlain = plains.reduce((best, p) =>
    Math.abs(p.seconds - plainSeconds) < Math.abs(best.seconds - plainSeconds) ? p : best,
  );
  const roundProfiles: HistoryProfile[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const history = await bench.client.workflow.getHandle(`${lastId}-round-${round}`).fetchHistory();
    roundProfiles.push(profileHistory(history.events ?? []));
  }
  const runHistory = await bench.client.workflow.getHandle(lastId).fetchHistory();
  return {
    tax: median(ratios),
    taxRange: [Math.min(...ratios), Math.max(...ratios)],
    pairs,
    plainSeconds,
    temporalSeconds: median(temporals.map((t) => t.seconds)),
    sameFigures,
    plainStages: medianPlain.stages,
    cpu: {
      plain: median(plains.map((p) => p.cpu)),
      temporal: median(temporals.map((t) => t.cpu)),
      server: median(temporals.map((t) => t.server)),
    },
    loopDelayMs: {
      p50: loop.percentile(50) / 1e6,
      p99: loop.percentile(99) / 1e6,
      max: loop.max / 1e6,
    },
    rounds: sumProfiles(roundProfiles),
    run: profileHistory(runHistory.events ?? []),
  };
}

/** Lines saying, per stage, plain seconds against the Temporal stage's span, queue and run times. */
export function describeTax(f: TaxFigures): Array<[string, string]> {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const lines: Array<[string, string]> = [];
  const all = { ...f.rounds.activities };
  const prepare = f.run.activities['rlaif.prepare'];
  if (prepare) all['rlaif.prepare'] = prepare;
  for (const [type, a] of Object.entries(all)) {
    const stage = STAGE_OF_ACTIVITY[type];
    const plain = stage !== undefined ? `${(f.plainStages[stage] ?? 0).toFixed(2)} s plain vs ` : '';
    lines.push([
      type,
      `${plain}${s(a.spanMs)} span (${a.count} activities: ${s(a.runMs)} running, ${s(a.queueMs)} queued)`,
    ]);
  }
  const spans = Object.values(all).reduce((t, a) => t + a.spanMs, 0);
  const wf = f.rounds.workflowTasks.ms + f.run.workflowTasks.ms;
  const wfCount = f.rounds.workflowTasks.count + f.run.workflowTasks.count;
  lines.push(['workflow tasks', `${wfCount} tasks, ${s(wf)} scheduled → completed`]);
  lines.push(['outside activity spans', s(f.temporalSeconds * 1000 - spans)]);
  lines.push([
    'CPU seconds',
    `plain ${f.cpu.plain.toFixed(2)}; Temporal run: this process ${f.cpu.temporal.toFixed(2)} + server ${f.cpu.server.toFixed(2)}`,
  ]);
  const d = f.loopDelayMs;
  lines.push([
    'event-loop delay',
    `p50 ${d.p50.toFixed(0)} ms, p99 ${d.p99.toFixed(0)} ms, max ${d.max.toFixed(0)} ms`,
  ]);
  return lines;
}
