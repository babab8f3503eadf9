/**
 * Shows a run's progress while a command waits for it, from the `progress` query: a bar in a
 * terminal (cli-progress), plain lines in a pipe. Output goes to stderr so stdout keeps only
 * the summary line.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, type RunProgress } from '../../workflows/definitions';

function describe(p: RunProgress): string {
  const win = p.latest?.winRateVsInitial;
  return `round ${p.round}/${p.rounds} ${p.stage}${p.paused ? ' (paused)' : ''}${
    win !== undefined ? ` · win rate ${win.toFixed(3)}` : ''
  }`;
}

/** Polls progress until `done` settles; returns `done`'s result. */
export async function showProgressUntil<T>(
  handle: WorkflowHandle,
  done: Promise<T>,
  intervalMs = 500,
): Promise<T> {
  const tty = Boolean(process.stderr.isTTY);
  const bar = tty
    ? new SingleBar(
        {
          format: ' {bar} {percentage}% | {text}',
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
        },
        Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let lastLine = '';
  let finished = false;
  const settled = done.finally(() => {
    finished = true;
  });
  while (!finished) {
    try {
      const p = await handle.query(progressQuery);
      // Whole rounds done plus the share of the current stage's batches.
      const stageShare = p.batchesTotal > 0 ? p.batchesDone / p.batchesTotal : 0;
      const completed = p.history.length + (p.round > p.history.length ? stageShare * 0.2 : 0);
      const text = describe(p);
      if (bar) {
        if (!started) bar.start(p.rounds * 100, 0, { text });
        started = true;
        bar.update(Math.round(completed * 100), { text });
      } else if (text !== lastLine) {
        process.stderr.write(`[rlaif] ${text}\n`);
        lastLine = text;
      }
    } catch {
      // The query fails until the first workflow task has run, and while a worker restarts.
    }
    await Promise.race([settled.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  if (bar && started) bar.stop();
  return done;
}
