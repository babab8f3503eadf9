/** The summary line and the watch line: gold figures from the last round's metrics, absent without them. */
import { metricsLine } from '../../src/cli/progress';
import { summaryLine } from '../../src/cli/summary';
import type { RunProgress } from '../../workflows/definitions';
import type { RunSummary } from '../../workflows/run';

const base: RunSummary = {
  workflowId: 'w',
  runKey: 'w',
  status: 'completed',
  rounds: 2,
  winRateVsInitial: 0.9,
  winRateCI: [0.85, 0.93],
  history: [
    {
      round: 1,
      metrics: { goldWinRate: 0.7, goldWinRateLow: 0.6, goldWinRateHigh: 0.8, judgeGoldAgreement: 0.9 },
    },
    {
      round: 2,
      metrics: {
        goldWinRate: 0.95012345,
        goldWinRateLow: 0.92,
        goldWinRateHigh: 0.96661,
        judgeGoldAgreement: 0.8244,
      },
    },
  ],
};

test('gold figures of the last round, rounded to 4 digits', () => {
  expect(summaryLine(base, 'http://ui')).toMatchObject({
    winRateVsInitial: 0.9,
    goldWinRate: 0.9501,
    goldWinRateCI: [0.92, 0.9666],
    judgeGoldAgreement: 0.8244,
  });
});

test('runs without a gold standard (user data) get nulls, not zeros', () => {
  const line = summaryLine(
    { ...base, history: [{ round: 1, metrics: { winRateVsInitial: 0.6 } }] },
    'http://ui',
  );
  expect(line.goldWinRate).toBeNull();
  expect(line.goldWinRateCI).toBeNull();
  expect(line.judgeGoldAgreement).toBeNull();
  expect(summaryLine({ ...base, history: [] }, 'http://ui').goldWinRate).toBeNull();
});

test('the watch line shows the gold figures beside the judge’s, and leaves them out without gold', () => {
  const latest = {
    winRateVsInitial: 0.92,
    winRateLow: 0.893,
    winRateHigh: 0.94,
    goldWinRate: 0.95,
    goldWinRateLow: 0.928,
    goldWinRateHigh: 0.966,
    judgeGoldAgreement: 0.8237,
    klToInitial: 4.55,
  };
  const progress = { latest, history: [{ round: 3, metrics: latest }] } as unknown as RunProgress;
  expect(metricsLine(progress)).toBe(
    'round 3: win rate vs initial 0.920 [0.893, 0.940] · gold win rate 0.950 [0.928, 0.966] · judge–gold agreement 0.824 · KL 4.55',
  );
  const plain = {
    latest: { winRateVsInitial: 0.5 },
    history: [{ round: 1, metrics: {} }],
  } as unknown as RunProgress;
  expect(metricsLine(plain)).not.toContain('gold');
});
