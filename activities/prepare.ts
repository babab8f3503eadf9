/** The run's data and its initial policy (fitted by SFT), made once per run. */
import type { PreparedRun, RunConfig } from '../src/contracts';
import type { StageSpec } from '../src/config/schema';
import { checkReferencedFiles, readOnAnotherQueue } from '../src/config/referenced-files';
import { readPromptFile } from '../src/data/prompt-file';
import { usesServedPolicy } from '../src/config/stages';
import { taskQueueOf } from '../src/config/stage-types';
import { commitServedPolicy } from '../src/policy/served-policy';
import { seedFrom } from '../src/util/rng';
import { activitySignal, classified, reportProgress } from './context';
import { compute } from './compute';
import { commitRunConfig } from './config-ref';
import type { ActivityDeps } from './deps';
import { ConfigError } from '../src/config/errors';
import { keyOfRef } from '../src/store/artifact';
import { bindRunKey, checkRunKey } from '../src/run/identity';
import { seedRerun } from '../src/run/rerun';
import { capabilitiesOf } from './llm-backends';
import { capabilityProblems } from '../src/capabilities/check';
import { CapabilityError } from '../src/capabilities/errors';
import { endpointsUsed, retirementWarnings } from '../src/providers/model-retirement';
import { log } from '@temporalio/activity';

/** Logs a warning per retiring model the run uses (see src/providers/model-retirement.ts). */
async function warnOfRetiringModels(
  config: RunConfig,
  caps: ReturnType<typeof capabilitiesOf>,
): Promise<void> {
  const used = endpointsUsed(config, (name, field) => {
    try {
      return caps.endpoint(config, name, field);
    } catch {
      return undefined;
    }
  });
  if (used.length === 0) return;
  for (const warning of await retirementWarnings(used).catch(() => [])) log.warn(warning);
}

/** Whether every piece of a prepared run is still committed with the bytes it recorded. */
async function intact(store: ActivityDeps['store'], prepared: PreparedRun): Promise<boolean> {
  for (const ref of [prepared.trainPrompts, prepared.evalPrompts, prepared.initialPolicy]) {
    if ((await store.get(keyOfRef(ref)))?.sha256 !== ref.sha256) return false;
  }
  return true;
}

export function createPrepareActivity(deps: ActivityDeps) {
  const { store } = deps;
  /**
   * The prepared run, with a reference to the run config stored in its namespace (stage
   * activities take that instead of the config). Stored after the run's checks passed, and not
   * part of the prepared result kept in the store, which earlier releases wrote without it.
   */
  return async function prepare(input: { runKey: string; config: RunConfig }): Promise<PreparedRun> {
    const prepared = await prepareData(input);
    const configRef = await classified(() => commitRunConfig(store, input.runKey, input.config));
    return { ...prepared, configRef };
  };

  async function prepareData(input: { runKey: string; config: RunConfig }): Promise<PreparedRun> {
    return classified(async () => {
      const { runKey, config } = input;
      const base = `runs/${runKey}/prepare`;
      // One run key, one run: a config other than the one that made this namespace stops here.
      await checkRunKey(store, runKey, config);
      const done = await store.get(`${base}/result.json`);
      const kept = await store.readFirstRow<PreparedRun>(`${base}/result.json`);
      if (kept && (await intact(store, kept))) {
        await bindRunKey(store, runKey, config); // a namespace of an earlier release adopts it
        return kept;
      }
      // Not prepared yet, or a piece was found corrupt: (re)make what is missing below. Every
      // piece is made from the seed and the user's files, so it comes out the same, or the store
      // refuses it and the run learns which input changed.

      // The files later stages read are checked now, on a worker like theirs, so a bad model
      // file or trainer command fails the run before a round of work instead of after it.
      // Stages routed to another task queue run on other machines: their workers read their files.
      const elsewhere = readOnAnotherQueue(config);
      const caps = capabilitiesOf(deps);
      // What the run asks of this worker (endpoints, trainers, data roots) is checked first, so a
      // run naming something no worker here offers fails at once, saying where it is declared.
      const routed = (s: StageSpec) => taskQueueOf(config, s) !== undefined;
      const problems = capabilityProblems(config, caps, (usedBy) => usedBy.every(routed));
      if (problems.length > 0) {
        throw new CapabilityError(
          `The run asks for what this worker does not offer:\n  - ${problems.join('\n  - ')}`,
        );
      }
      // Models the run uses that their endpoints are retiring: said in the worker log at the
      // run's start (advisory, so it runs beside the preparation and never fails it).
      const retiring = warnOfRetiringModels(config, caps);
      await checkReferencedFiles(config, {
        source: 'the run config',
        missing: 'fail',
        locate: (ref, field) => caps.dataFile(ref, field),
        locateTrainer: (trainer) => caps.trainer(trainer),
        // Prompt files (read by no stage) are read and checked below.
        skip: (use) => use.readBy.length === 0 || elsewhere(use),
      });
      // A rerun's namespace starts with what the old run prepared (pieces of it found corrupt are
      // remade below, where the old run's namespace is the one prepared).
      if (config.rerunOf && config.rerunOf.fromRound > 1 && !done) {
        await bindRunKey(store, runKey, config);
        await seedRerun(store, runKey, config);
        const seeded = await store.get(`${base}/result.json`);
        if (seeded) return (await store.readJsonl<PreparedRun>(seeded))[0] as PreparedRun;
      }
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
      // The first write to the namespace: a run whose input failed its checks leaves none.
      await bindRunKey(store, runKey, config);
      const fileChanged = (field: 'trainFile' | 'evalFile') => (err: unknown) => {
        if (
          !(err instanceof Error && err.name === 'ArtifactNotReproducibleError') ||
          config.data.kind !== 'jsonl'
        )
          throw err;
        throw new ConfigError(
          `data.${field}: the prompt file ${config.data[field]} has changed since this run prepared it, so the ` +
            'prompts it copied (found corrupt in the store) cannot be made again. Restore the file, or ' +
            'recompute the run with the new file in a new namespace: `rlaif rerun <workflowId> --from-round 1`',
        );
      };
      const trainPrompts = await store
        .commitJsonl(`${base}/train-prompts.jsonl`, data.train)
        .catch(fileChanged('trainFile'));
      const evalPrompts = await store
        .commitJsonl(`${base}/eval-prompts.jsonl`, data.eval)
        .catch(fileChanged('evalFile'));
      await store.commitJsonl(`${base}/sft.jsonl`, data.sft);
      reportProgress({ step: 0 });
      // A policy committed by an attempt that died before the result is kept; if the result
      // itself was lost, SFT runs again so that its loss, part of the result, comes out the same.
      const resultLost = (await store.quarantinedRef(`${base}/result.json`)) !== undefined;
      let initialPolicy = resultLost ? undefined : await store.get(`${base}/initial-policy.onnx`);
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
      await retiring;
      const prepared: PreparedRun = { trainPrompts, evalPrompts, initialPolicy, sftLoss };
      // Another attempt may have committed first: every reader gets the committed result.
      return (await store.commitRows(`${base}/result.json`, [prepared])).rows[0] as PreparedRun;
    });
  }
}
