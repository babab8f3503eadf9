/** The run's data and its initial policy (fitted by SFT), made once per run. */
import type { PreparedRun, RunConfig } from '../src/contracts';
import { makeDemoData } from '../src/stages/prepare';
import { seedFrom } from '../src/util/rng';
import { classified, reportProgress } from './context';
import { compute } from './compute';
import type { ActivityDeps } from './deps';

export function createPrepareActivity(deps: ActivityDeps) {
  const { store } = deps;
  return async function prepare(input: { runKey: string; config: RunConfig }): Promise<PreparedRun> {
    return classified(async () => {
      const { runKey, config } = input;
      const base = `runs/${runKey}/prepare`;
      const done = await store.get(`${base}/result.json`);
      if (done) return (await store.readJsonl<PreparedRun>(done))[0] as PreparedRun;

      const data = makeDemoData({
        seed: config.seed,
        trainPrompts: config.data.trainPrompts,
        evalPrompts: config.data.evalPrompts,
        sftExamples: config.data.sftExamples,
      });
      const trainPrompts = await store.commitJsonl(`${base}/train-prompts.jsonl`, data.train);
      const evalPrompts = await store.commitJsonl(`${base}/eval-prompts.jsonl`, data.eval);
      await store.commitJsonl(`${base}/sft.jsonl`, data.sft);
      reportProgress({ step: 0 });
      let initialPolicy = await store.get(`${base}/initial-policy.onnx`);
      let sftLoss = Number.NaN;
      if (!initialPolicy) {
        const fitted = await compute(deps, 'sft', {
          sft: data.sft,
          options: {
            seed: seedFrom(config.seed, 'sft'),
            epochs: config.policy.sft.epochs,
            lr: config.policy.sft.lr,
            maxTokens: config.generate.maxTokens,
          },
        });
        sftLoss = fitted.finalLoss;
        initialPolicy = await store.commitBytes(`${base}/initial-policy.onnx`, fitted.onnx, 1);
      }
      const prepared: PreparedRun = { trainPrompts, evalPrompts, initialPolicy, sftLoss };
      await store.commitJsonl(`${base}/result.json`, [prepared]);
      return prepared;
    });
  };
}
