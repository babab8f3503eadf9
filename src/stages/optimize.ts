/** Stage: improve the policy, against a reward (REINFORCE + RLOO + KL) or straight from the pairs (DPO). */
import type { ScoringJudge } from '../judges/pairwise-judge';
import {
  encodeResponse,
  exportPolicyOnnx,
  gradGroups,
  policyFromOnnx,
  policyGroups,
  promptContext,
  sampleResponse,
  tokensLogProb,
  zeroGrad,
  type PolicyParams,
} from '../models/policy';
import { Adam } from '../policy/adam';
import { dpoLoss, dpoPairLoss, type DpoPair } from '../policy/dpo';
import { groupAdvantages, reinforceSurrogate, type RolloutGroup } from '../policy/reinforce';
import { OnnxRewardModel } from '../reward/reward-model';
import { Rng, seedFrom } from '../util/rng';
import { InvalidInputError } from '../data/errors';
import { throwIfAborted, yieldToEventLoop } from './abort';
import type { PreferenceRow, ProgressFn, PromptRow } from './types';

/** A batched reward: one number per (prompt, response), higher is better. */
export type RewardFn = (rows: { prompt: string; response: string }[]) => Promise<number[]>;

/** A reward function backed by a reward model's ONNX bytes on onnxruntime-node; release it when done. */
export async function rewardFromOnnx(
  bytes: Uint8Array,
): Promise<{ reward: RewardFn; release(): Promise<void> }> {
  const model = await OnnxRewardModel.create(bytes, 'reward model');
  return {
    reward: async (rows) => Array.from(await model.score(rows)),
    release: () => model.release(),
  };
}

/** Direct RLAIF: the judge's expected 1–10 score, mapped to [0, 1] by (s − 1) / 9. No reward model. */
export function rewardFromJudge(judge: ScoringJudge): RewardFn {
  return async (rows) => rows.map((r) => (judge.score(r.prompt, r.response) - 1) / 9);
}

function loadPair(
  policyOnnx: Uint8Array,
  referenceOnnx: Uint8Array,
): { policy: PolicyParams; ref: PolicyParams } {
  const policy = policyFromOnnx(policyOnnx, 'policy checkpoint');
  const ref = policyFromOnnx(referenceOnnx, 'reference checkpoint');
  if (policy.maxLen !== ref.maxLen || policy.vocab.tokens.join('\n') !== ref.vocab.tokens.join('\n')) {
    throw new Error(
      'the policy and reference checkpoints have different vocabularies or maxLen; they must share one',
    );
  }
  return { policy, ref };
}

/** The prompts of every step: passes over the prompts, each pass in its own seeded order. */
function promptSchedule(prompts: PromptRow[], seed: number, steps: number, perStep: number): PromptRow[][] {
  const batches: PromptRow[][] = [];
  let pass = 0;
  let order: PromptRow[] = [];
  for (let s = 0; s < steps; s++) {
    const batch: PromptRow[] = [];
    while (batch.length < Math.min(perStep, prompts.length)) {
      if (order.length === 0) order = new Rng(seedFrom(seed, 'prompt-order', pass++)).shuffle(prompts);
      batch.push(order.pop() as PromptRow);
    }
    batches.push(batch);
  }
  return batches;
}

/** Hyperparameters of policy-gradient optimization against a reward. */
/** One REINFORCE step on rollout groups: the RLOO advantages with the KL penalty β, then Adam. */
function reinforceStep(
  policy: PolicyParams,
  groups: RolloutGroup[],
  beta: number,
  grad: ReturnType<typeof zeroGrad>,
  adam: Adam,
): void {
  grad.wPrev.fill(0);
  grad.wCtx.fill(0);
  grad.wPos.fill(0);
  grad.bias.fill(0);
  // Adam descends, so the surrogate's gradient goes in with scale −1.
  reinforceSurrogate(policy, groups, groupAdvantages(groups, beta), grad, -1);
  adam.step(gradGroups(grad));
}

export interface RewardOptimizeOptions {
  seed: number;
  steps: number;
  promptsPerStep: number;
  samplesPerPrompt: number;
  beta: number;
  lr: number;
  temperature: number;
  maxTokens: number;
}

/**
 * REINFORCE with a leave-one-out baseline against `reward`, the KL to the reference folded into
 * the return (R = r − β (log πθ − log πref)); one Adam step per batch of promptsPerStep ×
 * samplesPerPrompt fresh samples. `meanReward` and `kl` (mean log πθ − log πref of the samples)
 * are averaged over the last quarter of the steps, where the policy is close to the one returned.
 */
export async function optimizeWithReward(
  policyOnnx: Uint8Array,
  referenceOnnx: Uint8Array,
  prompts: PromptRow[],
  reward: RewardFn,
  opts: RewardOptimizeOptions,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<{ onnx: Uint8Array; meanReward: number; kl: number }> {
  if (prompts.length === 0) throw new Error('optimizeWithReward: no prompts');
  if (!(opts.samplesPerPrompt >= 2))
    throw new Error(
      `optimizeWithReward: samplesPerPrompt must be >= 2 for the RLOO baseline, got ${opts.samplesPerPrompt}`,
    );
  if (!(opts.steps >= 1)) throw new Error(`optimizeWithReward: steps must be >= 1, got ${opts.steps}`);
  throwIfAborted(signal, 'optimizeWithReward');
  const { policy, ref } = loadPair(policyOnnx, referenceOnnx);
  const adam = new Adam(policyGroups(policy), { lr: opts.lr });
  const grad = zeroGrad(policy);
  const schedule = promptSchedule(prompts, opts.seed, opts.steps, opts.promptsPerStep);
  const tail = Math.max(1, Math.floor(opts.steps / 4));
  let rewardSum = 0;
  let klSum = 0;
  let tailSamples = 0;
  for (let step = 0; step < opts.steps; step++) {
    throwIfAborted(signal, 'optimizeWithReward');
    const batch = schedule[step] as PromptRow[];
    const groups: RolloutGroup[] = [];
    const rows: { prompt: string; response: string }[] = [];
    for (const p of batch) {
      const ctx = promptContext(policy.vocab, p.prompt);
      const rollouts = [];
      for (let k = 0; k < opts.samplesPerPrompt; k++) {
        const s = sampleResponse(policy, ctx, new Rng(seedFrom(opts.seed, 'rollout', step, p.id, k)), opts);
        rollouts.push({
          ids: s.ids,
          logprob: s.logprob,
          refLogprob: tokensLogProb(ref, ctx, s.ids),
          reward: 0,
        });
        rows.push({ prompt: p.prompt, response: s.response });
      }
      groups.push({ ctx, rollouts });
    }
    const rewards = await reward(rows);
    if (rewards.length !== rows.length)
      throw new Error(`reward function returned ${rewards.length} values for ${rows.length} rows`);
    let i = 0;
    for (const g of groups) {
      for (const r of g.rollouts) {
        const v = rewards[i++] as number;
        if (!Number.isFinite(v)) throw new Error(`reward function returned ${v} for a response`);
        r.reward = v;
        if (step >= opts.steps - tail) {
          rewardSum += v;
          klSum += r.logprob - r.refLogprob;
          tailSamples++;
        }
      }
    }
    reinforceStep(policy, groups, opts.beta, grad, adam);
    onProgress?.(step + 1, opts.steps);
    await yieldToEventLoop();
  }
  return { onnx: exportPolicyOnnx(policy), meanReward: rewardSum / tailSamples, kl: klSum / tailSamples };
}

/** One judged sample of the round: a response the round's policy sampled, and its reward. */
export interface ScoredSample {
  promptId: string;
  prompt: string;
  response: string;
  reward: number;
}

/** Hyperparameters of direct RLAIF on scored samples. */
export interface ScoredOptimizeOptions {
  steps: number;
  beta: number;
  lr: number;
}

/**
 * Direct RLAIF (d-RLAIF) on samples an LLM judge scored: an LLM is paid per score, so the
 * round's own samples are scored once (by the score stage, every score in the ledger) instead of
 * fresh samples being scored in every step. REINFORCE with each prompt's other samples as the
 * baseline (RLOO) and the KL to the reference folded into the return, as `optimizeWithReward`,
 * for `steps` Adam steps over all the samples; each step recomputes log πθ, so the KL term
 * follows the policy as it moves. The samples come from the policy being optimized, so the first
 * step is exactly on-policy and, at the direct preset's small learning rate, the later ones
 * nearly so. Samples the policy cannot produce (words outside its vocabulary, longer than its
 * length) are left out and counted; prompts left with fewer than two samples have no baseline
 * and are left out too.
 */
export async function optimizeOnScoredSamples(
  policyOnnx: Uint8Array,
  referenceOnnx: Uint8Array,
  samples: readonly ScoredSample[],
  opts: ScoredOptimizeOptions,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<{ onnx: Uint8Array; meanReward: number; samples: number; skipped: number }> {
  if (!(opts.steps >= 1)) throw new Error(`optimizeOnScoredSamples: steps must be >= 1, got ${opts.steps}`);
  const { policy, ref } = loadPair(policyOnnx, referenceOnnx);
  const byPrompt = new Map<
    string,
    { ctx: ReturnType<typeof promptContext>; items: { ids: number[]; reward: number }[] }
  >();
  let skipped = 0;
  for (const s of samples) {
    if (!Number.isFinite(s.reward))
      throw new Error(`optimizeOnScoredSamples: reward ${s.reward} for a sample of ${s.promptId}`);
    let ids: number[];
    try {
      ids = encodeResponse(policy, s.response);
    } catch {
      skipped++;
      continue;
    }
    const g = byPrompt.get(s.promptId) ?? { ctx: promptContext(policy.vocab, s.prompt), items: [] };
    g.items.push({ ids, reward: s.reward });
    byPrompt.set(s.promptId, g);
  }
  const kept = [...byPrompt.values()].filter((g) => g.items.length >= 2);
  skipped += [...byPrompt.values()].filter((g) => g.items.length < 2).reduce((a, g) => a + g.items.length, 0);
  const used = kept.reduce((a, g) => a + g.items.length, 0);
  if (used === 0)
    throw new InvalidInputError(
      `direct RLAIF: no prompt has two scored samples the policy can produce (${samples.length} scored, ${skipped} left out); ` +
        'the policy is the embedded one, so generate with it (no generate.endpoint) and keep generate.samplesPerPrompt ≥ 2',
    );
  const refLogprobs = kept.map((g) => g.items.map((it) => tokensLogProb(ref, g.ctx, it.ids)));
  const adam = new Adam(policyGroups(policy), { lr: opts.lr });
  const grad = zeroGrad(policy);
  for (let step = 0; step < opts.steps; step++) {
    throwIfAborted(signal, 'optimizeOnScoredSamples');
    const groups: RolloutGroup[] = kept.map((g, gi) => ({
      ctx: g.ctx,
      rollouts: g.items.map((it, i) => ({
        ids: it.ids,
        logprob: tokensLogProb(policy, g.ctx, it.ids),
        refLogprob: (refLogprobs[gi] as number[])[i] as number,
        reward: it.reward,
      })),
    }));
    reinforceStep(policy, groups, opts.beta, grad, adam);
    onProgress?.(step + 1, opts.steps);
    await yieldToEventLoop();
  }
  const meanReward = kept.reduce((a, g) => a + g.items.reduce((b, it) => b + it.reward, 0), 0) / used;
  // No KL figure: log πθ − log πref averaged over these fixed samples is no estimate of the KL
  // once πθ has moved (the evaluate stage measures it on fresh samples).
  return { onnx: exportPolicyOnnx(policy), meanReward, samples: used, skipped };
}

/** Pairs per DPO minibatch. */
const DPO_BATCH = 32;

/**
 * DPO with soft labels on judged pairs, the reference held fixed; minibatch Adam over `epochs`
 * passes. Returns the final mean loss over all pairs and the mean implicit reward margin
 * β·Δ oriented toward the preferred response (pairs with q = 0.5 left out; 0 when all are ties).
 */
export async function optimizeWithDpo(
  policyOnnx: Uint8Array,
  referenceOnnx: Uint8Array,
  pairs: PreferenceRow[],
  opts: { seed: number; epochs: number; beta: number; lr: number },
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<{ onnx: Uint8Array; dpoLoss: number; rewardMargin: number }> {
  if (pairs.length === 0) throw new Error('optimizeWithDpo: no pairs');
  throwIfAborted(signal, 'optimizeWithDpo');
  const { policy, ref } = loadPair(policyOnnx, referenceOnnx);
  const data: DpoPair[] = pairs.map((row) => {
    const ctx = promptContext(policy.vocab, row.prompt);
    const a = encodeResponse(policy, row.a);
    const b = encodeResponse(policy, row.b);
    return { ctx, a, b, q: row.p, refA: tokensLogProb(ref, ctx, a), refB: tokensLogProb(ref, ctx, b) };
  });
  const adam = new Adam(policyGroups(policy), { lr: opts.lr });
  const grad = zeroGrad(policy);
  const groups = gradGroups(grad);
  for (let e = 0; e < opts.epochs; e++) {
    const order = new Rng(seedFrom(opts.seed, 'dpo-epoch', e)).shuffle(data);
    for (let start = 0; start < order.length; start += DPO_BATCH) {
      throwIfAborted(signal, 'optimizeWithDpo');
      groups.forEach((g) => g.fill(0));
      dpoLoss(policy, order.slice(start, start + DPO_BATCH), opts.beta, grad);
      adam.step(groups);
    }
    onProgress?.(e + 1, opts.epochs);
    await yieldToEventLoop();
  }
  let loss = 0;
  let margin = 0;
  let decisive = 0;
  for (const pair of data) {
    const v = dpoPairLoss(policy, pair, opts.beta);
    loss += v.loss / data.length;
    if (pair.q !== 0.5) {
      margin += pair.q > 0.5 ? v.margin : -v.margin;
      decisive++;
    }
  }
  return {
    onnx: exportPolicyOnnx(policy),
    dpoLoss: loss,
    rewardMargin: decisive > 0 ? margin / decisive : 0,
  };
}
