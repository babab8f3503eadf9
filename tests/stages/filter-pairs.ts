/**
 * A stage type added as one entry: `filter-pairs` drops judged pairs whose label is too close to
 * a coin flip, batch by batch (one batch per judge batch). Its declaration is registered where it
 * is imported (the test and its workflow bundle); its implementation is the activity a worker
 * (the plugin's `stages` option) or the in-process loop (`runLocalLoop`'s `stages`) is given.
 * Workflow-safe: the bundle imports this file for the declaration.
 */
import { registerStageType, type StageTypeEntry } from '../../src/config/stage-types';
import type { StageInput, StageOutput } from '../../src/contracts';
import type { PreferenceRow } from '../../src/stages/types';
import { stageKey } from '../../src/store/artifact';
import type { ArtifactStore } from '../../src/store/store';

/** Pairs whose |p − ½| is below this are dropped. */
const MIN_MARGIN = 0.1;

export const FILTER_PAIRS: StageTypeEntry = {
  type: 'filter-pairs',
  activity: 'test.filterPairs',
  batches: (_config, board) => Math.max(1, board.preferences?.length ?? 1),
  reads: () => ['trainPrompts', 'policy', 'responses', 'preferences'],
  writes: ['preferences'],
  summed: ['pairsKept', 'pairsDropped'],
  needs: [{ type: 'judge', why: 'it filters judged pairs' }],
};
registerStageType(FILTER_PAIRS);

/** The activity: batch i of the judge's preferences, filtered, committed under the stage's key. */
export function filterPairsActivity(store: ArtifactStore) {
  return async function filterPairs(input: StageInput): Promise<StageOutput> {
    const { index, count } = input.batch ?? { index: 0, count: 1 };
    const source = input.board.preferences?.[index];
    if (!source || input.board.preferences?.length !== count)
      throw new Error(`filter-pairs: batch ${index} of ${count} has no preferences batch`);
    const rows = await store.readJsonl<PreferenceRow>(source);
    const kept = rows.filter((r) => Math.abs(r.p - 0.5) >= MIN_MARGIN);
    const name = `kept-${index}-of-${count}.jsonl`;
    const ref = await store.commitJsonl(stageKey(input.runKey, input.round, input.stageId, name), kept);
    return {
      artifacts: { preferences: [ref] },
      metrics: {
        pairsKept: kept.length,
        pairsDropped: rows.length - kept.length,
        keptShare: kept.length / rows.length,
      },
    };
  };
}
