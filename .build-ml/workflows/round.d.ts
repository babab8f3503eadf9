import type { RoundInput, RoundResult } from '../src/contracts';
export declare function rlaifRound(input: RoundInput): Promise<RoundResult>;
