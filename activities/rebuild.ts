/**
 * Every committed artifact can be made again by its producer. A stage that reads an artifact
 * found corrupt (or already taken out by an earlier reader) has the activity that made it run
 * again with the input it had, then reads it again; the store requires the same bytes, so what
 * the run built on the artifact still holds. Batch outputs are found by their key, prepared data
 * by its run, and other stage outputs by the input each such stage records beside its outputs.
 */
import { stagesOf } from '../src/config/parse';
import { activityOfStage } from '../src/config/stage-types';
import type { StageInput } from '../src/contracts';
import { keyOfRef, stageKey, type ArtifactRef } from '../src/store/artifact';
import { ArtifactNotReproducibleError } from '../src/store/errors';
import type { ArtifactStore } from '../src/store/store';
import { producerOf } from './batch';
import type { ActivityDeps } from './deps';

/** Where a stage that makes whole-stage outputs records the input it ran with. */
const inputKey = (input: StageInput) => stageKey(input.runKey, input.round, input.stageId, 'input.jsonl');

/** A producer call: the activity and the input that make an artifact again. */
export interface Producer {
  activity: string;
  input: unknown;
}

const BATCH_OUTPUT = /^runs\/[^/]+\/round-\d+\/[^/]+\/batch-\d+-of-\d+\.jsonl$/;
const PREPARED = /^runs\/([^/]+)\/prepare\//;
const STAGE_OUTPUT = /^runs\/([^/]+)\/round-(\d+)\/([^/]+)\//;

/** The activity call that made `ref`, as far as the store and the consumer's input tell. */
export async function producerOfArtifact(
  store: ArtifactStore,
  ref: ArtifactRef,
  consumer: StageInput | { runKey: string; config: StageInput['config'] },
): Promise<Producer> {
  const key = keyOfRef(ref);
  if (BATCH_OUTPUT.test(key) && 'board' in consumer) return producerOf(ref, consumer);
  const prepared = PREPARED.exec(key);
  if (prepared) return { activity: 'rlaif.prepare', input: { runKey: prepared[1], config: consumer.config } };
  const stage = STAGE_OUTPUT.exec(key);
  const [runKey, round, stageId] = stage ? [stage[1] as string, Number(stage[2]), stage[3] as string] : [];
  const recorded =
    runKey !== undefined
      ? await store.get(stageKey(runKey, round as number, stageId as string, 'input.jsonl'))
      : undefined;
  if (!recorded) {
    throw new ArtifactNotReproducibleError(
      `artifact ${key} was found corrupt and no producer input is recorded for it (it may come from an ` +
        'earlier release); recompute the run from before it with `rlaif rerun <workflowId> --from-round N`',
    );
  }
  const input = (await store.readJsonl<StageInput>(recorded))[0] as StageInput;
  const spec = stagesOf(input.config).find((s) => s.id === input.stageId);
  const activity = spec && activityOfStage(spec);
  if (!activity)
    throw new ArtifactNotReproducibleError(`artifact ${key}: stage ${input.stageId} is not in its config`);
  return { activity, input };
}

/**
 * A stage activity that records its input (so its outputs can be made again) and, when a read
 * finds an artifact corrupt, has it made again and runs once more; each artifact is rebuilt at
 * most once per attempt, so a producer that cannot make it fails instead of looping.
 */
export function rebuilding<T>(
  deps: ActivityDeps,
  run: (input: StageInput) => Promise<T>,
  opts: { record: boolean },
): (input: StageInput) => Promise<T> {
  return async (input) => {
    if (opts.record && !(await deps.store.get(inputKey(input))))
      await deps.store.commitJsonl(inputKey(input), [input]);
    const rebuilt = new Set<string>();
    for (;;) {
      try {
        return await run(input);
      } catch (err) {
        const ref = (err as { ref?: ArtifactRef }).ref;
        const corrupt = err instanceof Error && err.name === 'ArtifactCorruptError' && ref !== undefined;
        if (!corrupt || !deps.rebuild || rebuilt.has(ref.uri)) throw err;
        rebuilt.add(ref.uri);
        await deps.rebuild(ref, input);
      }
    }
  };
}
