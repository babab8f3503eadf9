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
    uiUrl: string;
}
/** The UI page of a workflow: $RLAIF_UI_URL, or the dev server's UI next to the gRPC address. */
export declare function workflowUiUrl(address: string, namespace: string, workflowId: string, uiBase?: string): string;
export declare function summaryLine(result: RunSummary, uiUrl: string): SummaryLine;
