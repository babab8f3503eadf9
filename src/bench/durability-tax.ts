/**
 * The durability tax: the same loop (same config, same seed, same work) as a plain in-process
 * script and as a Temporal run with the plugin, run back to back; the ratio of wall times. The
 * Temporal figure counts from workflow start to result with the worker already running (its
 * one-off bundling is not part of a run). Both must reach the same win rate, or the comparison is
 * void. The Temporal run's histories say where its extra time went, stage by stage.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runInProcess, type InProcessOptions } from '../loop/in-process';
import type { RunConfigInput } from '../config/schema';
import { profileHistory, sumProfiles, type HistoryProfile } from './history-profile';
import type { BenchServer } from './temporal-run';

/** The run config equivalent to in-process options (the plugin's defaults match DEMO_DEFAULTS). */
export function configFor(opts: InProcessOptions): RunConfigInput {
  return {
    name: 'bench',
    seed: opts.seed,
    rounds: opts.rounds,
    preset: opts.preset,
    data: { kind: 'demo', ...opts.data },
  };
}

/** One side-by-side measurement. */
export interface TaxFigures {
  tax: number;
  plainSeconds: number;
  temporalSeconds: number;
  /** Both reached the same final win rate (to 1e-9). */
  sameFigures: boolean;
  /** Plain seconds by stage, summed over rounds (prepare included). */
  plainStages: Record<string, number>;
  /** CPU seconds of this process (all threads) in each path, and of the Temporal server. */
  cpu: { plain: number; temporal: number; server: number };
  /** The main thread's event-loop delay during the Temporal run, ms (p50, p99, max). */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** The Temporal run's rounds (children) and the run itself, profiled. */
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

/** Runs `opts` plain, then on Temporal as workflow `id`, and compares. */
export async function measureTax(
  bench: BenchServer,
  id: string,
  opts: InProcessOptions,
): Promise<TaxFigures> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const plain = await runInProcess(opts);
  const plainSeconds = (performance.now() - t0) / 1000;
  const plainCpu = cpuSince(c0);
  const serverPid = bench.server.process.pid;
  const s0 = processCpuSeconds(serverPid);
  const c1 = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const temporal = await bench.timedRun(id, configFor(opts));
  loop.disable();
  const temporalCpu = cpuSince(c1);
  const serverCpu = processCpuSeconds(serverPid) - s0;
  const plainWin = plain.rounds.at(-1)?.evaluation.winRate ?? NaN;
  const sameFigures = Math.abs((temporal.summary.winRateVsInitial ?? NaN) - plainWin) < 1e-9;
  const plainStages: Record<string, number> = { prepare: plain.seconds.prepare };
  for (const r of plain.rounds)
    for (const [stage, s] of Object.entries(r.seconds)) plainStages[stage] = (plainStages[stage] ?? 0) + s;
  const roundProfiles: HistoryProfile[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const history = await bench.client.workflow.getHandle(`${id}-round-${round}`).fetchHistory();
    roundProfiles.push(profileHistory(history.events ?? []));
  }
  const runHistory = await bench.client.workflow.getHandle(id).fetchHistory();
  return {
    tax: temporal.seconds / plainSeconds,
    plainSeconds,
    temporalSeconds: temporal.seconds,
    sameFigures,
    plainStages,
    cpu: { plain: plainCpu, temporal: temporalCpu, server: serverCpu },
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
