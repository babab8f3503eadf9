/**
 * Live progress of a run from its `progress` query: in a terminal, one bar per stage of the
 * current round (batches done, rate, ETA) and the latest metrics, drawn with cli-progress; in a
 * pipe, plain lines without escape codes whenever something changes.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import {
  progressQuery,
  roundProgressQuery,
  type RunProgress,
  type StageStatus,
} from '../../workflows/definitions';
import { problemLines, runStatus } from './runs';

function seconds(ms: number): string {
  return ms >= 60_000
    ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`
    : `${(ms / 1000).toFixed(1)}s`;
}

/** Rate (batches per second) and ETA of a stage, from workflow timestamps. */
export function stageRate(s: StageStatus, now: number): { rate: number; eta: string } {
  const elapsed = Math.max(1, (s.finishedAt ?? now) - s.startedAt);
  const rate = (s.batchesDone * 1000) / elapsed;
  if (s.finishedAt !== undefined) return { rate, eta: `done in ${seconds(elapsed)}` };
  if (s.batchesDone === 0) return { rate, eta: 'ETA -' };
  return { rate, eta: `ETA ${seconds(((s.batchesTotal - s.batchesDone) / rate) * 1000)}` };
}

/** The latest round's headline figures, one line. */
export function metricsLine(p: RunProgress): string {
  const m = p.latest;
  if (!m) return 'no round finished yet';
  const parts: string[] = [];
  if (m.winRateVsInitial !== undefined) {
    parts.push(
      `win rate vs initial ${m.winRateVsInitial.toFixed(3)} [${m.winRateLow?.toFixed(3)}, ${m.winRateHigh?.toFixed(3)}]`,
    );
  }
  if (m.rewardModelAgreement !== undefined) parts.push(`RM agreement ${m.rewardModelAgreement.toFixed(3)}`);
  if (m.klToInitial !== undefined) parts.push(`KL ${m.klToInitial.toFixed(2)}`);
  if (m.flipRate !== undefined) parts.push(`judge flip rate ${m.flipRate.toFixed(2)}`);
  // An LLM judge says how its verdicts were read: parsed answers are the fallback for lost logprobs.
  if (m.judgeFromLogprobs !== undefined && m.judgeFromText !== undefined)
    parts.push(
      `judge answers ${Math.round(m.judgeFromLogprobs * 100)}% from logprobs, ${Math.round(m.judgeFromText * 100)}% parsed from text`,
    );
  if (m.generateCoverage !== undefined && m.generateCoverage < 1)
    parts.push(
      `generation coverage ${m.generateCoverage.toFixed(2)} (${m.generateDeadLetters ?? 0} samples dead-lettered)`,
    );
  return `round ${p.history[p.history.length - 1]?.round ?? '-'}: ${parts.join(' · ')}`;
}

function header(p: RunProgress): string {
  const spend =
    p.spend.tokens > 0
      ? ` · spent ${p.spend.tokens} tokens${p.spend.cost > 0 ? `, ${p.spend.cost.toFixed(4)}` : ''}`
      : '';
  return `round ${p.round}/${p.rounds} · ${p.status}${p.paused ? ' (paused)' : ''}${spend}`;
}

/** Draws progress snapshots to a stream: bars on a TTY, plain lines elsewhere. */
export class ProgressView {
  private readonly tty: boolean;
  private multibar: MultiBar | undefined;
  private bars = new Map<string, SingleBar>();
  private round = -1;
  private lastLines = new Set<string>();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  update(p: RunProgress): void {
    const now = Date.now();
    if (p.round === 0) return; // still preparing data and the initial policy
    if (this.tty) this.drawBars(p, now);
    else this.printLines(p, now);
  }

  private drawBars(p: RunProgress, now: number): void {
    if (p.round !== this.round) {
      // A new round starts only after the previous one completed: close its bars as done.
      for (const bar of this.bars.values()) bar.update(bar.getTotal(), { when: 'done' });
      this.multibar?.stop();
      this.multibar = new MultiBar(
        {
          stream: this.stream,
          format: ' {stage} {bar} {value}/{total} batches | {rate}/s | {when}',
          hideCursor: true,
          clearOnComplete: false,
          autopadding: true,
        },
        Presets.shades_classic,
      );
      this.stream.write(`${header(p)}\n${metricsLine(p)}\n`);
      this.bars.clear();
      this.round = p.round;
    }
    for (const s of p.stages) {
      const { rate, eta } = stageRate(s, now);
      const payload = { stage: s.stage.padEnd(16), rate: rate.toFixed(1), when: eta };
      let bar = this.bars.get(s.stage);
      if (!bar) {
        bar = (this.multibar as MultiBar).create(Math.max(1, s.batchesTotal), s.batchesDone, payload);
        this.bars.set(s.stage, bar);
      }
      bar.setTotal(Math.max(1, s.batchesTotal));
      bar.update(s.batchesDone, payload);
    }
  }

  private printLines(p: RunProgress, now: number): void {
    const lines = [header(p), ...(p.latest ? [metricsLine(p)] : [])];
    for (const s of p.stages) {
      const { rate, eta } = stageRate(s, now);
      lines.push(
        `round ${p.round} ${s.stage}: ${s.batchesDone}/${s.batchesTotal} batches${
          s.finishedAt !== undefined ? ` (${eta})` : ` (${rate.toFixed(1)}/s, ${eta})`
        }`,
      );
    }
    for (const line of lines) {
      // ETAs change every poll; print a line again only when its batch count or state changed.
      const key = line.replace(/\(.*\)$/, '');
      if (!this.lastLines.has(key)) this.stream.write(`[rlaif] ${line}\n`);
      this.lastLines.add(key);
    }
  }

  stop(): void {
    this.multibar?.stop();
  }
}

/**
 * The run's progress, with the running round's stages asked of the round itself: a round tells
 * its run at most every 2 s (each signal costs workflow tasks), so the run's own view of a short
 * stage may lag. Rounds recorded before the round answered this query fall back to the run's view.
 */
export async function queryProgress(handle: WorkflowHandle): Promise<RunProgress> {
  const p = await handle.query(progressQuery);
  const roundRunning = p.round > 0 && p.history.length < p.round && p.stage !== 'done';
  if (!roundRunning) return p;
  const stages = await handle.client
    .getHandle(`${handle.workflowId}-round-${p.round}`)
    .query(roundProgressQuery)
    .catch(() => undefined);
  return stages && stages.length > 0 ? { ...p, stages } : p;
}

/** How often a waiting command asks whether the run is stuck (a describe and a short history read). */
const PROBLEM_CHECK_MS = 5000;
/** A run whose workflow task fails holds a query up to 30 s; give up sooner and say why instead. */
const QUERY_DEADLINE_MS = 5000;

/**
 * Prints what keeps the run from progressing (a worker's codec key, a refused input, a failing
 * activity), each problem once, so a run that stays RUNNING says why where the user waits.
 */
async function reportProblems(
  handle: WorkflowHandle,
  stream: NodeJS.WriteStream,
  shown: Set<string>,
): Promise<void> {
  const { problems } = await runStatus(handle.client, handle.workflowId).catch(() => ({ problems: [] }));
  for (const p of problems) {
    const key = [p.workflowId, p.kind, p.activityType, p.message].join('\n');
    if (shown.has(key)) continue;
    shown.add(key);
    for (const line of problemLines(p)) stream.write(`[rlaif] ${line}\n`);
  }
}

/** Polls progress until `done` settles, drawing it and saying why the run is stuck; returns `done`'s result. */
export async function showProgressUntil<T>(
  handle: WorkflowHandle,
  done: Promise<T>,
  intervalMs = 500,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<T> {
  const view = new ProgressView(stream);
  let finished = false;
  const settled = done.finally(() => {
    finished = true;
  });
  // A run that fails while the first query is still out must not be an unhandled rejection:
  // `done` is returned (and its failure reported) below.
  settled.catch(() => undefined);
  const shown = new Set<string>();
  let checkedAt = 0;
  while (!finished) {
    try {
      const deadline = Date.now() + QUERY_DEADLINE_MS;
      view.update(await handle.client.connection.withDeadline(deadline, () => queryProgress(handle)));
    } catch {
      // The query fails until the first workflow task has run, and while a worker restarts.
    }
    if (Date.now() - checkedAt >= PROBLEM_CHECK_MS) {
      checkedAt = Date.now();
      await reportProblems(handle, stream, shown);
    }
    await Promise.race([settled.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  try {
    view.update(await handle.query(progressQuery));
  } catch {
    // a closed run without a worker cannot answer; the result says enough
  }
  view.stop();
  return done;
}
