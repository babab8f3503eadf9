import type { RunCheckpoint } from '../src/contracts';
/** What a run returns: its figures after the last round. */
export interface RunSummary {
    workflowId: string;
    runKey: string;
    status: 'completed' | 'stopped';
    rounds: number;
    winRateVsInitial?: number;
    winRateCI?: [number, number];
    rewardModelAgreement?: number;
    meanReward?: number;
    klToInitial?: number;
    history: RunCheckpoint['history'];
}
/** State carried across continue-as-new (never set by users). */
export interface CarriedState {
    paused: boolean;
    stopAfterRound: boolean;
}
export declare function rlaifRun(rawConfig: unknown, carried?: CarriedState): Promise<RunSummary>;
