/** The progress view: plain lines in a pipe, rates and ETAs from workflow timestamps. */
import { ProgressView, stageRate } from '../../src/cli/progress';
import type { RunProgress } from '../../workflows/definitions';

function snapshot(over: Partial<RunProgress>): RunProgress {
  return {
    status: 'running',
    runKey: 'k',
    round: 1,
    rounds: 3,
    stage: 'judge',
    batchesDone: 0,
    batchesTotal: 0,
    history: [],
    stages: [],
    paused: false,
    stopAfterRound: false,
    spend: { tokens: 0, cost: 0 },
    ...over,
  };
}

test('rate and ETA come from batches done over elapsed time', () => {
  const s = { stage: 'judge', batchesDone: 4, batchesTotal: 8, startedAt: 1000 };
  const { rate, eta } = stageRate(s, 3000);
  expect(rate).toBeCloseTo(2, 6);
  expect(eta).toBe('ETA 2.0s');
  expect(stageRate({ ...s, batchesDone: 8, finishedAt: 5000 }, 9000).eta).toBe('done in 4.0s');
});

test('in a pipe each change is one plain line, repeated polls print nothing new', () => {
  const out: string[] = [];
  const stream = { isTTY: false, write: (t: string) => out.push(t) } as unknown as NodeJS.WriteStream;
  const view = new ProgressView(stream);
  const start = Date.now() - 1000;
  view.update(
    snapshot({ stages: [{ stage: 'generate', batchesDone: 2, batchesTotal: 4, startedAt: start }] }),
  );
  view.update(
    snapshot({ stages: [{ stage: 'generate', batchesDone: 2, batchesTotal: 4, startedAt: start }] }),
  );
  view.update(
    snapshot({
      stages: [
        { stage: 'generate', batchesDone: 4, batchesTotal: 4, startedAt: start, finishedAt: start + 800 },
      ],
    }),
  );
  const text = out.join('');
  expect(text).not.toContain('\u001b');
  expect(text.match(/generate: 2\/4/g)).toHaveLength(1);
  expect(text).toContain('round 1 generate: 4/4 batches (done in 0.8s)');
});
