/** Supervised fine-tuning: maximum likelihood of the SFT responses given their prompts. */
import { encodeResponse, tokensLogProb } from '../models/policy-logprob';
import {
  gradGroups,
  policyGroups,
  promptContext,
  zeroGrad,
  type PolicyParams,
  type PromptContext,
} from '../models/policy-params';
import type { SftRow } from '../stages/types';
import { Rng, seedFrom } from '../util/rng';
import { InvalidInputError } from '../data/errors';
import { Adam } from './adam';

/** An SFT example in model form. */
export interface SftExample {
  ctx: PromptContext;
  ids: number[];
}

/**
 * Encodes SFT rows; throws naming the row whose response the policy cannot produce. That is the
 * data or the config (a response longer than generate.maxTokens, a word outside the vocabulary):
 * an InvalidInputError, which no retry can fix.
 */
export function encodeSft(p: PolicyParams, rows: SftRow[]): SftExample[] {
  return rows.map((r, i) => {
    try {
      return { ctx: promptContext(p.vocab, r.prompt), ids: encodeResponse(p, r.response) };
    } catch (err) {
      const tooLong = /produces at most/.test((err as Error).message)
        ? ' (its length limit is generate.maxTokens: raise it, or shorten the SFT responses)'
        : '';
      throw new InvalidInputError(`SFT row ${i}: ${(err as Error).message}${tooLong}`);
    }
  });
}

/** Mean negative log-likelihood per token (the response words and the closing <eos>). */
export function sftLoss(p: PolicyParams, data: SftExample[]): number {
  if (data.length === 0) throw new Error('sftLoss: no examples');
  let nll = 0;
  let tokens = 0;
  for (const ex of data) {
    nll -= tokensLogProb(p, ex.ctx, ex.ids);
    tokens += tokenCount(p, ex);
  }
  return nll / tokens;
}

function tokenCount(p: PolicyParams, ex: SftExample): number {
  return ex.ids.length < p.maxLen ? ex.ids.length + 1 : ex.ids.length;
}

/** Options of SFT. */
export interface SftOptions {
  epochs: number;
  lr: number;
  batchSize: number;
  seed: number;
}

/**
 * Minibatch Adam on the per-token NLL, updating `p` in place. `onEpoch` runs after each epoch with
 * that epoch's mean training loss (it may be async, e.g. to yield or to check for cancellation).
 */
export async function trainSft(
  p: PolicyParams,
  data: SftExample[],
  opts: SftOptions,
  onEpoch?: (epoch: number, loss: number) => void | Promise<void>,
): Promise<number> {
  if (data.length === 0) throw new Error('trainSft: no examples');
  const adam = new Adam(policyGroups(p), { lr: opts.lr });
  const grad = zeroGrad(p);
  const groups = gradGroups(grad);
  let epochLoss = sftLoss(p, data);
  for (let e = 0; e < opts.epochs; e++) {
    const order = new Rng(seedFrom(opts.seed, 'sft-epoch', e)).shuffle(data);
    let nll = 0;
    let tokens = 0;
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const batch = order.slice(start, start + opts.batchSize);
      const batchTokens = batch.reduce((s, ex) => s + tokenCount(p, ex), 0);
      groups.forEach((g) => g.fill(0));
      // Loss = −(1/T) Σ log π, so each example's ∇ log π enters with scale −1/T.
      for (const ex of batch) nll -= tokensLogProb(p, ex.ctx, ex.ids, grad, -1 / batchTokens);
      tokens += batchTokens;
      adam.step(groups);
    }
    epochLoss = nll / tokens;
    await onEpoch?.(e + 1, epochLoss);
  }
  return epochLoss;
}
