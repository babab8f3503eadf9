/**
 * An example of a user's own stage: drop judged pairs whose label is too close to a coin flip
 * (|p − ½| below a margin) before the reward model or DPO trains on them. Registered through
 * the plugin's `stages` option and named in the config as `{ "type": "custom", "activity": ... }`.
 */
import type { StageInput, StageOutput } from '../contracts';
import type { PreferenceRow } from '../stages/types';
import { stageKey } from '../store/artifact';
import type { ArtifactStore } from '../store/store';

export function createConfidenceFilterStage(store: ArtifactStore, minMargin = 0.1) {
  return async function confidenceFilter(input: StageInput): Promise<StageOutput> {
    const refs = input.board.preferences ?? [];
    const rows = await store.readAllJsonl<PreferenceRow>(refs);
    const kept = rows.filter((r) => Math.abs(r.p - 0.5) >= minMargin);
    const ref = await store.commitJsonl(
      stageKey(input.runKey, input.round, input.stageId, 'kept.jsonl'),
      kept,
    );
    return {
      artifacts: { preferences: [ref] },
      metrics: { pairsKept: kept.length, pairsDropped: rows.length - kept.length },
    };
  };
}
