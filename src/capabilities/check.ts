/**
 * The capabilities a run config asks for, checked at once on the worker that prepares the run,
 * so that a run naming something no worker here offers fails before any work instead of rounds
 * later. Stages routed to another task queue run on other workers, which check their own.
 */
import type { RunConfig, StageSpec } from '../config/schema';
import { expandStages } from '../config/stages';
import { parseFileRef } from './file-ref';
import type { WorkerCapabilities } from './worker-capabilities';

/** One capability a config names, and the stages that use it. */
interface CapabilityUse {
  field: string;
  usedBy: StageSpec[];
  /** Throws a CapabilityError when this worker cannot provide it. */
  resolve(caps: WorkerCapabilities): void;
}

/** The config's file fields, for the check that a strict worker gets no plain paths. */
export function fileFields(config: RunConfig): Array<{ field: string; value: string }> {
  const out: Array<{ field: string; value: string }> = [];
  const add = (field: string, value: string | undefined) => {
    if (value !== undefined) out.push({ field, value });
  };
  if (config.data.kind === 'jsonl') {
    add('data.trainFile', config.data.trainFile);
    add('data.evalFile', config.data.evalFile);
  }
  add('judge.humanLabels', config.judge.humanLabels);
  add('rewardModel.modelFile', config.rewardModel.modelFile);
  add('rewardModel.tokenizerFile', config.rewardModel.tokenizerFile);
  for (const [k, v] of Object.entries(config.judge.llm?.templates ?? {})) add(`judge.llm.templates.${k}`, v);
  return out;
}

function usesOf(config: RunConfig): CapabilityUse[] {
  const stages = expandStages(config);
  const ofType = (...types: Array<StageSpec['type']>) => stages.filter((s) => types.includes(s.type));
  const uses: CapabilityUse[] = [];
  const endpoint = (
    field: string,
    name: string | undefined,
    usedBy: StageSpec[],
    check?: (model: string) => void,
  ) => {
    if (name === undefined || usedBy.length === 0) return;
    uses.push({
      field,
      usedBy,
      resolve: (caps) => {
        const { model } = caps.endpoint(config, name, field);
        check?.(model);
      },
    });
  };
  const served = stages.some((s) => s.method === 'fine-tune');
  endpoint('generate.endpoint', config.generate.endpoint, ofType('generate', 'evaluate'), (model) => {
    if (served && !model.includes('{policy}'))
      throw new Error(
        'generate.endpoint: with "fine-tune" the policy is a served model; name an endpoint whose model is "{policy}"',
      );
  });
  if (config.judge.kind === 'llm') {
    const judges = ofType('judge', 'score', 'evaluate');
    endpoint('judge.endpoint', config.judge.endpoint, judges);
    endpoint('judge.fallbackEndpoint', config.judge.fallbackEndpoint, judges);
    endpoint('judge.batchApi.endpoint', config.judge.batchApi?.endpoint, judges);
  }
  endpoint('evaluate.judge.endpoint', config.evaluate.judge?.endpoint, ofType('evaluate'));
  if (config.rewardModel.kind === 'embedding')
    endpoint('rewardModel.endpoint', config.rewardModel.endpoint, ofType('train-reward', 'optimize-policy'));
  const tuners = stages.filter((s) => s.method === 'fine-tune');
  endpoint('policy.fineTune.endpoint', config.policy.fineTune?.endpoint, tuners);
  const trainer = config.policy.trainer;
  const trainers = stages.filter((s) => s.method === 'external');
  if (trainer && trainers.length > 0)
    uses.push({ field: 'policy.trainer', usedBy: trainers, resolve: (caps) => void caps.trainer(trainer) });
  return uses;
}

/**
 * Every problem with what `config` asks of this worker, one line each: inline capabilities on a
 * worker that does not trust run configs (whatever stage would use them), and names this worker
 * does not offer for the stages it runs (`elsewhere` says which stages other workers run).
 */
export function capabilityProblems(
  config: RunConfig,
  caps: WorkerCapabilities,
  elsewhere: (usedBy: StageSpec[]) => boolean,
): string[] {
  const problems: string[] = [];
  const attempt = (f: () => void) => {
    try {
      f();
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  if (!caps.trustsRunConfigs) {
    for (const name of Object.keys(config.endpoints))
      attempt(() => caps.endpoint(config, name, `endpoints.${name}`));
    if (config.judge.batchApi?.baseURL !== undefined)
      problems.push(
        "judge.batchApi.baseURL: the run config gives a URL to send the judge's key to, but this worker sends " +
          `keys only to the endpoints its owner declares (in ${caps.declaredIn}); name one with judge.batchApi.endpoint`,
      );
    if (config.policy.trainer?.command !== undefined) attempt(() => caps.trainer(config.policy.trainer!));
    for (const { field, value } of fileFields(config)) {
      if (parseFileRef(value).root === undefined) attempt(() => caps.fileRoot(value, field));
    }
  }
  for (const use of usesOf(config)) if (!elsewhere(use.usedBy)) attempt(() => use.resolve(caps));
  return [...new Set(problems)];
}
