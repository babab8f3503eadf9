/**
 * Exactly-once stage results. A stage's result (its artifact references and metrics) is
 * committed under a deterministic key after its artifacts; a retried or resumed activity that
 * finds it returns it without computing anything.
 */
import type { StageOutput } from '../src/contracts';
import type { LocalArtifactStore } from '../src/store/local-store';
export declare function onceOnly(store: LocalArtifactStore, resultKey: string, compute: () => Promise<StageOutput>): Promise<StageOutput>;
