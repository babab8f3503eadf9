/** The one-line JSON summary that `start --wait` and `demo` print last. */
import type { RunSummary } from '../../workflows/run';
import { recordedUiUrl } from '../temporal-server/server-record';

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
  /** The run's page in the Temporal UI; null when where the UI is is not known. */
  uiUrl: string | null;
}

/**
 * The UI page of a workflow: under `uiBase`, else $RLAIF_UI_URL, else the UI of the dev server
 * `rlaif demo` or `rlaif server` started at `address`. Undefined when none says where the UI is:
 * a UI port guessed from the gRPC port is wrong as soon as either was chosen.
 */
export function workflowUiUrl(
  address: string,
  namespace: string,
  workflowId: string,
  uiBase?: string,
): string | undefined {
  const base = uiBase ?? (process.env.RLAIF_UI_URL || undefined) ?? recordedUiUrl(address);
  if (!base) return undefined;
  return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** How to say where a run is in the UI, or how to get a link when the UI is not known. */
export function uiLinkText(url: string | undefined): string {
  return url ?? '(set RLAIF_UI_URL to your Temporal UI for a link)';
}

const round4 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10000) / 10000);

export function summaryLine(result: RunSummary, uiUrl: string | undefined): SummaryLine {
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
    uiUrl: uiUrl ?? null,
  };
}
