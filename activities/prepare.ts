/** The run's data and its initial policy (fitted by SFT), made once per run. */
import type { PreparedRun, RunConfig } from '../src/contracts';
import type { StageSpec } from '../src/config/schema';
import { checkReferencedFiles, readOnAnotherQueue } from '../src/config/referenced-files';
import { readPromptFile } from '../src/data/prompt-file';
import { usesServedPolicy } from '../src/config/stages';
import { commitServedPolicy } from '../src/policy/served-policy';
import { seedFrom } from '../src/util/rng';
import { activitySignal, classified, reportProgress } from './context';
import { compute } from './compute';
import type { ActivityDeps } from './deps';
import { bindRunKey } from '../src/run/identity';
import { seedRerun } from '../src/run/rerun';
import { capabilitiesOf } from './llm-backends';
import { capabilityProblems } from '../src/capabilities/check';
import { CapabilityError } from '../src/capabilities/errors';

export function createPrepareActivity(deps: ActivityDeps) {
  const { store } = deps;
  return async function prepare(input: { runKey: string; config: RunConfig }): Promise<PreparedRun> {
    return classified(async () => {
      const { runKey, config } = input;
      const base = `runs/${runKey}/prepare`;
      // One run key, one run: a config other than the one that made this namespace stops here.
      await bindRunKey(store, runKey, config);
      await seedRerun(store, runKey, config);
      const done = await store.get(`${base}/result.json`);
      if (done) return (await store.readJsonl<PreparedRun>(done))[0] as PreparedRun;

      // The files later stages read are checked now, on a worker like theirs, so a bad model
      // file or trainer command fails the run before a round of work instead of after it.
      // Stages routed to another task queue run on other machines: their workers read their files.
      const elsewhere = readOnAnotherQueue(config);
      const caps = capabilitiesOf(deps);
      // What the run asks of this worker (endpoints, trainers, data roots) is checked first, so a
      // run naming something no worker here offers fails at once, saying where it is declared.
      const routed = (s: StageSpec) => (s.taskQueue ?? config.taskQueues[s.type]) !== undefined;
      const problems = capabilityProblems(config, caps, (usedBy) => usedBy.every(routed));
      if (problems.length > 0) {
        throw new CapabilityError(
          `The run asks for what this worker does not offer:\n  - ${problems.join('\n  - ')}`,
        );
      }
      await checkReferencedFiles(config, {
        source: 'the run config',
        missing: 'fail',
        locate: (ref, field) => caps.dataFile(ref, field),
        locateTrainer: (trainer) => caps.trainer(trainer),
        // Prompt files (read by no stage) are read and checked below.
        skip: (use) => use.readBy.length === 0 || elsewhere(use),
      });
      const demo = await compute(deps, 'demoData', {
        seed: config.seed,
        trainPrompts: config.data.kind === 'demo' ? config.data.trainPrompts : 1,
        evalPrompts: config.data.kind === 'demo' ? config.data.evalPrompts : 1,
        sftExamples: config.data.sftExamples,
      });
      // A user's prompt files are validated and copied into the store (the claim check), so
      // every worker reads the same prompts whatever later happens to the files.
      const data =
        config.data.kind === 'jsonl'
          ? {
              ...demo,
              train: await readPromptFile(
                await caps.dataFile(config.data.trainFile, 'data.trainFile'),
                config.data,
                {
                  signal: activitySignal(),
                },
              ),
              eval: await readPromptFile(
                await caps.dataFile(config.data.evalFile, 'data.evalFile'),
                config.data,
                {
                  signal: activitySignal(),
                },
              ),
            }
          : demo;
      const trainPrompts = await store.commitJsonl(`${base}/train-prompts.jsonl`, data.train);
      const evalPrompts = await store.commitJsonl(`${base}/eval-prompts.jsonl`, data.eval);
      await store.commitJsonl(`${base}/sft.jsonl`, data.sft);
      reportProgress({ step: 0 });
      let initialPolicy = await store.get(`${base}/initial-policy.onnx`);
      let sftLoss = Number.NaN;
      if (config.policy.fineTune && usesServedPolicy(config)) {
        // The policy is a served model tuned by fine-tuning jobs: the first round's is the base model.
        initialPolicy = await commitServedPolicy(store, `${base}/initial-policy`, {
          model: config.policy.fineTune.baseModel,
        });
      } else if (!initialPolicy) {
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
