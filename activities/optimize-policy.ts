/**
 * Optimize the policy and write the round's new ONNX checkpoint. The signal comes from the
 * reward model (policy gradient with a KL penalty), the judge's direct scores (d-RLAIF), or the
 * judged pairs themselves (DPO). The KL reference is always the initial policy.
 */
import type { StageSpec } from '../src/config/schema';
import type { ArtifactRef, StageInput, StageOutput } from '../src/contracts';
import type { PreferenceRow, PromptRow, ScoreRow } from '../src/stages/types';
import { keyOfRef, stageKey } from '../src/store/artifact';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { log } from '@temporalio/activity';
import { InvalidInputError } from '../src/data/errors';
import { preferencesToOpenAIDpoJsonl } from '../src/export/preferences';
import { fineTunePolicy } from '../src/policy/fine-tune-policy';
import { commitServedPolicy, readServedPolicy } from '../src/policy/served-policy';
import { createClient } from '../src/providers/endpoint';
import * as path from 'node:path';
import { ConfigError } from '../src/config/errors';
import { policyFromOnnx } from '../src/models/policy';
import { runExternalTrainer } from '../src/policy/external-trainer';
import { writeTrlPreferences } from '../src/policy/trainer-data';
import { activitySignal, reportProgress } from './context';
import { seedFrom } from '../src/util/rng';
import { classified } from './context';
import { capabilitiesOf, endpointOf } from './llm-backends';
import type { RewardSource } from '../src/compute/jobs';
import { compute } from './compute';
import type { ActivityDeps } from './deps';
import { onceOnly } from './once';
import { requireArtifact } from './stage-helpers';

export function createOptimizePolicyActivity(deps: ActivityDeps) {
  const { store } = deps;

  /** The round's reward model as a recipe the compute thread can rebuild. */
  async function rewardSourceOf(input: StageInput): Promise<RewardSource> {
    const { runKey, config, board } = input;
    const rm = config.rewardModel;
    if (rm.kind === 'onnx') {
      return {
        kind: 'user-onnx',
        modelPath: await capabilitiesOf(deps).dataFile(rm.modelFile ?? '', 'rewardModel.modelFile'),
        tokenizerPath: await capabilitiesOf(deps).dataFile(
          rm.tokenizerFile ?? '',
          'rewardModel.tokenizerFile',
        ),
        maxLength: rm.maxLength,
      };
    }
    const model = await store.readBytes(requireArtifact(board.rewardModel, 'rewardModel'));
    if (rm.kind === 'embedding') {
      return {
        kind: 'embedding',
        head: model,
        endpoint: endpointOf(deps, config, rm.endpoint, 'rewardModel.endpoint'),
        cacheDir: store.pathOf(`runs/${runKey}/embeddings`),
      };
    }
    return { kind: 'onnx', model };
  }

  /** Every pair judged so far: the pool of earlier rounds plus this round's, committed as the new pool. */
  async function preferencePoolOf(input: StageInput): Promise<{ pairs: PreferenceRow[]; pool: ArtifactRef }> {
    const { runKey, round, stageId, board } = input;
    const fresh = await store.readAllJsonl<PreferenceRow>(requireArtifact(board.preferences, 'preferences'));
    const earlier = board.preferencePool ? await store.readJsonl<PreferenceRow>(board.preferencePool) : [];
    const pairs = [...earlier, ...fresh];
    const pool = await store.commitJsonl(stageKey(runKey, round, stageId, 'preference-pool.jsonl'), pairs);
    return { pairs, pool };
  }

  /**
   * The external trainer command on the judged pairs (TRL's preference JSONL). Its work folder
   * lives in the store under the stage's key, so a retried activity finds the trainer's
   * checkpoints there and the trainer resumes from the newest instead of starting over.
   */
  async function trainExternally(input: StageInput, seed: number) {
    const { runKey, round, stageId, config, board } = input;
    const trainer = config.policy.trainer;
    if (!trainer) throw new ConfigError('optimize-policy method "external" needs policy.trainer');
    const declared = capabilitiesOf(deps).trainer(trainer);
    const { pairs, pool } = await preferencePoolOf(input);
    const workDir = store.pathOf(stageKey(runKey, round, stageId, 'trainer'));
    const dataFile = path.join(workDir, 'preferences.jsonl');
    await writeTrlPreferences(dataFile, pairs, {
      form: trainer.dataFormat === 'trl-conversational' ? 'conversational' : 'standard',
      softLabel: 'score',
    });
    const result = await runExternalTrainer({
      command: declared.command,
      workDir,
      ...(declared.cwd ? { cwd: declared.cwd } : {}),
      env: declared.env,
      spec: {
        version: 1,
        method: trainer.method,
        baseCheckpoint: store.pathOf(keyOfRef(requireArtifact(board.policy, 'policy'))),
        referenceCheckpoint: store.pathOf(keyOfRef(requireArtifact(board.initialPolicy, 'initialPolicy'))),
        dataFile,
        dataFormat: trainer.dataFormat,
        outputDir: path.join(workDir, 'output'),
        hyperparameters: trainer.hyperparameters,
        seed,
      },
      onProgress: (p) => reportProgress({ step: p.step, total: p.total ?? 0 }),
      signal: activitySignal(),
      timeoutMs: declared.timeoutMs,
    });
    const bytes = await readFile(result.checkpoint);
    // The embedded policy continues from the trainer's ONNX checkpoint; check it is one.
    policyFromOnnx(bytes, `trainer checkpoint ${result.checkpoint}`);
    const metrics: Record<string, number> = {
      trainerStepsRun: result.stepsRun,
      trainerFinalStep: result.finalStep,
      trainerResumed: result.resumed ? 1 : 0,
      trainerPairs: pairs.length,
    };
    for (const [k, v] of Object.entries(result.metrics ?? {})) {
      if (typeof v === 'number' && Number.isFinite(v)) metrics[`trainer_${k}`] = v;
    }
    return { onnx: new Uint8Array(bytes), metrics, preferencePool: pool };
  }

  /**
   * A DPO fine-tuning job on every pair judged so far (OpenAI's DPO format), started from the
   * round's served policy; the job's model becomes the next round's policy.
   */
  async function fineTune(input: StageInput, seed: number) {
    const { runKey, round, stageId, config, board } = input;
    const ft = config.policy.fineTune;
    if (!ft) throw new ConfigError('optimize-policy method "fine-tune" needs policy.fineTune');
    const { pairs, pool } = await preferencePoolOf(input);
    const { lines, skippedTies } = preferencesToOpenAIDpoJsonl(pairs);
    if (lines.length === 0) throw new InvalidInputError('fine-tune: every judged pair so far is a tie');
    const trainingFile = store.pathOf(stageKey(runKey, round, stageId, 'fine-tune/train.jsonl'));
    await mkdir(path.dirname(trainingFile), { recursive: true });
    await writeFile(trainingFile, lines.join('\n') + '\n');
    const base = await readServedPolicy(store, requireArtifact(board.policy, 'policy'));
    const started = Date.now();
    let lastStatus = '';
    const out = await fineTunePolicy({
      client: createClient(endpointOf(deps, config, ft.endpoint, 'policy.fineTune.endpoint')),
      trainingFile,
      baseModel: base.model,
      hyperparameters: ft.hyperparameters,
      ...(ft.suffix ? { suffix: ft.suffix } : {}),
      idempotencyKey: `rlaif:${runKey}:${round}:${stageId}`,
      seed,
      pollMs: ft.pollSeconds * 1000,
      timeoutMs: ft.timeoutHours * 3_600_000,
      signal: activitySignal(),
      onPoll: (jobId, poll) => {
        const step = poll.events.find((e) => e.type === 'metrics')?.data as
          { step?: number; total_steps?: number } | undefined;
        reportProgress({ step: step?.step ?? 0, total: step?.total_steps ?? 0 });
        if (poll.status !== lastStatus) log.info('fine-tuning job', { jobId, status: poll.status });
        lastStatus = poll.status;
      },
    });
    const newPolicy = await commitServedPolicy(store, stageKey(runKey, round, stageId, 'policy'), {
      model: out.model,
      jobId: out.jobId,
    });
    const metrics: Record<string, number> = {
      fineTunePairs: lines.length,
      fineTuneTies: skippedTies,
      fineTuneJobs: out.jobs,
      fineTuneReused: out.reused ? 1 : 0,
      fineTuneSeconds: (Date.now() - started) / 1000,
      ...(out.trainedTokens !== undefined ? { fineTuneTrainedTokens: out.trainedTokens } : {}),
    };
    return { newPolicy, metrics, preferencePool: pool };
  }

  return async function optimizePolicy(
    input: StageInput & { method?: StageSpec['method'] },
  ): Promise<StageOutput> {
    return classified(async () => {
      const { runKey, round, stageId, config, board } = input;
      const method = input.method ?? 'reward-model';
      return onceOnly(store, stageKey(runKey, round, stageId, 'result.json'), async () => {
        const seedOf = () => seedFrom(config.seed, 'optimize', round);
        if (method === 'fine-tune') {
          const out = await fineTune(input, seedOf());
          return {
            artifacts: { newPolicy: out.newPolicy, preferencePool: out.preferencePool },
            metrics: out.metrics,
          };
        }
        const policy = await store.readBytes(requireArtifact(board.policy, 'policy'));
        const reference = await store.readBytes(requireArtifact(board.initialPolicy, 'initialPolicy'));
        const seed = seedOf();
        const opt = config.policy.optimizer;
        const options = {
          seed,
          steps: opt.steps,
          promptsPerStep: opt.promptsPerStep,
          samplesPerPrompt: opt.samplesPerPrompt,
          beta: opt.beta,
          lr: opt.lr,
          temperature: opt.temperature,
          maxTokens: config.generate.maxTokens,
        };
        let onnx: Uint8Array;
        let metrics: Record<string, number>;
        let preferencePool: ArtifactRef | undefined;
        if (method === 'external') {
          const out = await trainExternally(input, seed);
          onnx = out.onnx;
          metrics = out.metrics;
          preferencePool = out.preferencePool;
        } else if (method === 'dpo') {
          // Iterative DPO on every pair judged so far, this round's added to the pool.
          const { pairs, pool } = await preferencePoolOf(input);
          preferencePool = pool;
          const dpo = config.policy.dpo;
          const out = await compute(deps, 'optimizeWithDpo', {
            policy,
            reference,
            pairs,
            options: { seed, epochs: dpo.epochs, beta: dpo.beta, lr: dpo.lr },
          });
          onnx = out.onnx;
          metrics = { dpoLoss: out.dpoLoss, dpoRewardMargin: out.rewardMargin, dpoPairs: pairs.length };
        } else if (method === 'judge-score' && config.judge.kind === 'llm') {
          // d-RLAIF with an LLM judge: the score stage's verdicts on the round's samples are the
          // rewards, (s − 1) / 9 as with the embedded judge.
          const scores = await store.readAllJsonl<ScoreRow>(requireArtifact(board.scores, 'scores'));
          const out = await compute(deps, 'optimizeOnScores', {
            policy,
            reference,
            samples: scores.map((r) => ({
              promptId: r.promptId,
              prompt: r.prompt,
              response: r.response,
              reward: (r.score - 1) / 9,
            })),
            options: { steps: opt.steps, beta: config.policy.direct.beta, lr: config.policy.direct.lr },
          });
          onnx = out.onnx;
          metrics = {
            trainMeanReward: out.meanReward,
            directSamples: out.samples,
            directSamplesSkipped: out.skipped,
          };
        } else {
          const prompts = await store.readJsonl<PromptRow>(
            requireArtifact(board.trainPrompts, 'trainPrompts'),
          );
          const reward: RewardSource =
            method === 'judge-score'
              ? {
                  kind: 'judge',
                  judge: { positionBias: config.judge.positionBias, sharpness: config.judge.sharpness },
                }
              : await rewardSourceOf(input);
          // Direct RLAIF rewards are judge scores on [0, 1], far smaller than reward-model logits.
          const direct = method === 'judge-score' ? config.policy.direct : {};
          const out = await compute(deps, 'optimizeWithReward', {
            policy,
            reference,
            prompts,
            reward,
            options: { ...options, ...direct },
          });
          onnx = out.onnx;
          metrics = { trainMeanReward: out.meanReward, trainKl: out.kl };
        }
        const newPolicy = await store.commitBytes(stageKey(runKey, round, stageId, 'policy.onnx'), onnx, 1);
        return { artifacts: { newPolicy, ...(preferencePool ? { preferencePool } : {}) }, metrics };
      });
    });
  };
}
