/** The one-line JSON summary that `start --wait` and `demo` print last. */
import type { RunSummary } from '../../workflows/run';

export interface SummaryLine {
  workflowId: string;
  status: string;
  rounds: number;
  winRateVsInitial: number | null;
  winRateCI: [number, number] | null;
  rewardModelAgreement: number | null;
  meanReward: number | null;
  klToInitial: number | null;
  /** The last round's win rate under the demo world's gold standard, not the training judge (demo data only). */
  goldWinRate: number | null;
  goldWinRateCI: [number, number] | null;
  /** The share of the last round's training labels on which the judge picks what gold picks. */
  judgeGoldAgreement: number | null;
  uiUrl: string;
}

/** The UI page of a workflow: $RLAIF_UI_URL, or the dev server's UI next to the gRPC address. */
export function workflowUiUrl(
  address: string,
  namespace: string,
  workflowId: string,
  uiBase?: string,
): string {
  let base = uiBase ?? process.env.RLAIF_UI_URL;
  if (!base) {
    const [host = 'localhost', port = '7233'] = address.split(':');
    base = `http://${host === '127.0.0.1' ? 'localhost' : host}:${Number(port) + 1000}`;
  }
  return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

const round4 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10000) / 10000);

export function summaryLine(result: RunSummary, uiUrl: string): SummaryLine {
  // Gold figures are read from the last round's metrics, so the workflow's result is unchanged.
  const last = result.history[result.history.length - 1]?.metrics ?? {};
  const goldLow = round4(last.goldWinRateLow);
  const goldHigh = round4(last.goldWinRateHigh);
  return {
    workflowId: result.workflowId,
    status: result.status,
    rounds: result.rounds,
    winRateVsInitial: round4(result.winRateVsInitial),
    winRateCI: result.winRateCI ? [round4(result.winRateCI[0]) ?? 0, round4(result.winRateCI[1]) ?? 0] : null,
    rewardModelAgreement: round4(result.rewardModelAgreement),
    meanReward: round4(result.meanReward),
    klToInitial: round4(result.klToInitial),
    goldWinRate: round4(last.goldWinRate),
    goldWinRateCI: goldLow !== null && goldHigh !== null ? [goldLow, goldHigh] : null,
    judgeGoldAgreement: round4(last.judgeGoldAgreement),
    uiUrl,
  };
}
