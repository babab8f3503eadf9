/** The summary line: gold figures come from the last round's metrics, and are null without them. */
import { summaryLine } from '../../src/cli/summary';
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
