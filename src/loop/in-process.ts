/**
 * The whole RLAIF loop in one process, with no Temporal: the run's own loop (local-loop.ts: the
 * prepare activity, then each round's stage DAG calling the activities directly), configured by
 * `InProcessOptions` instead of a run config. It is the "plain script" baseline for benchmarks,
 * and it gives the figures a workflow run with the same config gives, by construction.
 */
import type { Share } from '../eval/gold-figures';
import { wilsonInterval } from '../eval/stats';
import { parseRunConfig } from '../config/parse';
import type { RunConfig } from '../config/schema';
import type { evaluatePolicy } from '../stages/evaluate';
import type { RewardOptimizeOptions } from '../stages/optimize';
import { stageKey } from '../store/artifact';
import type { ArtifactStore } from '../store/store';
import { runLocalLoop, type LocalRound } from './local-loop';

/** How the policy is optimized each round. */
export type Preset = 'classic' | 'dpo' | 'direct';

/** Everything one in-process run needs, grouped by stage. */
export interface InProcessOptions {
  /** classic: reward model + REINFORCE; dpo: DPO on the pairs; direct: REINFORCE on the judge's scores (d-RLAIF). */
  preset: Preset;
  seed: number;
  rounds: number;
  data: { trainPrompts: number; evalPrompts: number; sftExamples: number };
  /** SFT of the initial policy; maxTokens is the policy's longest response everywhere. */
  sft: { epochs: number; lr: number; maxTokens: number };
  generate: { samplesPerPrompt: number; temperature: number };
  judge: { positionBias: number; sharpness: number };
  reward: { heldOutFraction: number; epochs: number; lr: number; l2: number };
  optimize: Omit<RewardOptimizeOptions, 'seed' | 'maxTokens'>;
  /** Overrides of `optimize` for the direct preset, whose rewards live on [0, 1] instead of logits. */
  direct: { beta: number; lr: number };
  dpo: { epochs: number; beta: number; lr: number };
  evaluate: { temperature: number };
}

/**
 * The calibrated demo configuration (3 rounds; measured by tests/ml/learning.test.ts).
 * Why these numbers: 1024 train prompts give the first reward model enough pairs (~800) to
 * generalize; with fewer, round 1 over-optimized it (the policy learned "topic words of any
 * topic, repeated" and lost to the initial policy). β = 0.2 per reward logit keeps round 1
 * within a few nats of the reference for the same reason. The direct preset's rewards are the
 * judge's score on [0, 1], about 1/15 of a reward-model logit, hence its smaller β. DPO's
 * β = 0.5 bounds the implied margin with soft labels (β·Δ → logit q); at β = 0.1 the policy
 * drifted by tens of nats and degraded by round 3.
 */
export const DEMO_DEFAULTS: InProcessOptions = {
  preset: 'classic',
  seed: 7,
  rounds: 3,
  data: { trainPrompts: 1024, evalPrompts: 512, sftExamples: 2000 },
  sft: { epochs: 8, lr: 0.05, maxTokens: 10 },
  generate: { samplesPerPrompt: 2, temperature: 1 },
  judge: { positionBias: -1, sharpness: 1.5 },
  reward: { heldOutFraction: 0.2, epochs: 200, lr: 0.05, l2: 1e-4 },
  optimize: { steps: 60, promptsPerStep: 32, samplesPerPrompt: 4, beta: 0.2, lr: 0.03, temperature: 1 },
  direct: { beta: 0.01, lr: 0.03 },
  dpo: { epochs: 3, beta: 0.5, lr: 0.02 },
  evaluate: { temperature: 1 },
};

/** What one round measured. */
export interface RoundReport {
  round: number;
  /** Pairs judged so far, this round's included (none for direct, whose judge scores samples). */
  preferences: number;
  /** Share of this round's pairs whose raw argmax flipped with the order (0 when it judges no pairs: direct). */
  judgeFlipRate: number;
  reward?: { heldOutAgreement: number; heldOutPairs: number; trainPairs: number; trainLoss: number };
  optimize: { meanReward: number; kl: number } | { dpoLoss: number; rewardMargin: number };
  evaluation: Awaited<ReturnType<typeof evaluatePolicy>>;
  /** Against the demo world's gold standard: the judge on this round's pairs, the reward model on its held-out pairs. */
  gold: { judgeAgreement: Share; rewardModelAgreement?: Share };
  seconds: Record<'generate' | 'judge' | 'reward' | 'optimize' | 'evaluate', number>;
}

/** The result of a run: the initial and final checkpoints and each round's report. */
export interface InProcessResult {
  preset: Preset;
  sftLoss: number;
  initialOnnx: Uint8Array;
  policyOnnx: Uint8Array;
  rounds: RoundReport[];
  seconds: { prepare: number; total: number };
}

/**
 * The run config of `opts`: every option has its field (the schema's defaults are DEMO_DEFAULTS),
 * on the demo data.
 */
export function runConfigOf(opts: InProcessOptions): RunConfig {
  return parseRunConfig(
    {
      name: 'in-process',
      seed: opts.seed,
      rounds: opts.rounds,
      preset: opts.preset,
      data: { kind: 'demo', ...opts.data },
      generate: { ...opts.generate, maxTokens: opts.sft.maxTokens },
      judge: { kind: 'local', ...opts.judge },
      rewardModel: { kind: 'lexical', ...opts.reward },
      policy: {
        sft: { epochs: opts.sft.epochs, lr: opts.sft.lr },
        optimizer: opts.optimize,
        direct: opts.direct,
        dpo: opts.dpo,
      },
      evaluate: { temperature: opts.evaluate.temperature },
    },
    'in-process options',
  );
}

/** Runs the loop; `onRound` sees each report as soon as its round ends. */
export async function runInProcess(
  opts: InProcessOptions,
  onRound?: (report: RoundReport) => void,
  signal?: AbortSignal,
): Promise<InProcessResult> {
  const t0 = performance.now();
  const rounds: RoundReport[] = [];
  let pairsSoFar = 0;
  const record = async (r: LocalRound, store: ArtifactStore) => {
    pairsSoFar += r.metrics.pairs ?? 0;
    const report = await roundReport(r, pairsSoFar, store);
    rounds.push(report);
    onRound?.(report);
  };
  return runLocalLoop(runConfigOf(opts), { onRound: record, ...(signal ? { signal } : {}) }, async (run) => ({
    preset: opts.preset,
    sftLoss: run.prepared.sftLoss,
    initialOnnx: await run.store.readBytes(run.prepared.initialPolicy),
    policyOnnx: await run.store.readBytes(run.policy),
    rounds,
    seconds: { prepare: run.prepareSeconds, total: (performance.now() - t0) / 1000 },
  }));
}

/** A metric the round must have, or an error naming it. */
function metric(r: LocalRound, name: string): number {
  const value = r.metrics[name];
  if (value === undefined) throw new Error(`round ${r.round}: no metric ${name}`);
  return value;
}

/** A share from a metric and its count (ties count half, as measured), with its 95% Wilson interval. */
function shareOf(value: number, n: number): Share {
  return { value, ci: wilsonInterval(value * n, n), n };
}

/** Seconds by the report's stage names, summed over the stages of each type. */
function secondsByKind(r: LocalRound): RoundReport['seconds'] {
  const kind: Record<string, keyof RoundReport['seconds']> = {
    generate: 'generate',
    judge: 'judge',
    score: 'judge',
    'train-reward': 'reward',
    'optimize-policy': 'optimize',
    evaluate: 'evaluate',
  };
  const seconds = { generate: 0, judge: 0, reward: 0, optimize: 0, evaluate: 0 };
  for (const stage of r.stages) {
    const k = kind[stage.type];
    if (k) seconds[k] += r.seconds[stage.id] ?? 0;
  }
  return seconds;
}

/** A round's report from its metrics, and its evaluation as the evaluate stage recorded it. */
async function roundReport(r: LocalRound, preferences: number, store: ArtifactStore): Promise<RoundReport> {
  const m = r.metrics;
  const evaluate = r.stages.find((s) => s.type === 'evaluate');
  const recorded = evaluate
    ? await store.get(stageKey('in-process', r.round, evaluate.id, 'evaluation.jsonl'))
    : undefined;
  if (!recorded) throw new Error(`round ${r.round}: the evaluate stage recorded no evaluation`);
  const [{ round: _round, ...evaluation }] = (await store.readJsonl<
    RoundReport['evaluation'] & { round: number }
  >(recorded)) as [RoundReport['evaluation'] & { round: number }];
  const reward =
    m.rewardModelAgreement === undefined
      ? undefined
      : {
          heldOutAgreement: m.rewardModelAgreement,
          heldOutPairs: metric(r, 'rewardModelHeldOutPairs'),
          trainPairs: metric(r, 'rewardModelTrainPairs'),
          trainLoss: metric(r, 'rewardModelLoss'),
        };
  const optimize: RoundReport['optimize'] =
    m.dpoLoss === undefined
      ? { meanReward: metric(r, 'trainMeanReward'), kl: metric(r, 'trainKl') }
      : { dpoLoss: m.dpoLoss, rewardMargin: metric(r, 'dpoRewardMargin') };
  return {
    round: r.round,
    preferences,
    judgeFlipRate: m.flipRate ?? 0,
    ...(reward ? { reward } : {}),
    optimize,
    evaluation,
    gold: {
      judgeAgreement: shareOf(metric(r, 'judgeGoldAgreement'), metric(r, 'judgeGoldAgreementPairs')),
      ...(m.rewardModelGoldAgreement !== undefined && reward
        ? { rewardModelAgreement: shareOf(m.rewardModelGoldAgreement, reward.heldOutPairs) }
        : {}),
    },
    seconds: secondsByKind(r),
  };
}
