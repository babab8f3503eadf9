/**
 * The served policy: sampling with per-token log-probabilities from a policy checkpoint. It runs
 * the trainer's own float64 maths over the checkpoint's weights (the same functions as
 * `sampleResponse` and `sequenceLogProb`), so the log-probabilities a client reads over HTTP are
 * exactly the log π(y|x) the trainer computes; the model is small enough that this costs
 * microseconds per token. Choices are drawn one at a time (`samples`), so the server can pace a
 * large request.
 */
import { createHash, randomInt } from 'crypto';
import { maskedSoftmax } from '../models/math';
import {
  allowedTokens,
  contextLogits,
  drawIndex,
  policyFromOnnx,
  promptContext,
  stepLogits,
  type PolicyParams,
} from '../models/policy';
import { makeDemoData, trainInitialPolicy } from '../stages/prepare';
import { Rng, seedFrom } from '../util/rng';
import { finiteLogprob, type Generation, type GeneratedToken } from './generation';

/** The token string reported when the policy ends its response (only in logprobs, never in the text). */
export const EOS_TOKEN = '<eos>';

/** Sampling options of one request, as the model server reads them from its body. */
export interface SampleOptions {
  /** Choices to draw. */
  n: number;
  /** 0 is greedy; otherwise logits are divided by it before sampling. */
  temperature: number;
  /** Nucleus sampling: draw from the smallest set of tokens whose probability reaches top_p. */
  topP: number;
  /** Words at most; capped by the model's maxLen. */
  maxTokens?: number;
  /** With a seed, choice i draws from Rng(seedFrom(seed, prompt, i)); without, from a random stream. */
  seed?: number;
  /** Stop sequences: the text is cut before the first occurrence. */
  stop: string[];
  /** Report the chosen tokens' log-probabilities in the answer (sampling is the same either way). */
  logprobs: boolean;
  /** Most likely alternatives to report per position (0–20); only those are computed. */
  topLogprobs: number;
}

/** A loaded policy checkpoint ready to sample. */
export class PolicyEngine {
  private readonly allowed: boolean[];

  private constructor(
    readonly params: PolicyParams,
    /** Changes whenever the weights change, like OpenAI's `system_fingerprint`. */
    readonly fingerprint: string,
  ) {
    this.allowed = allowedTokens(params.vocab);
  }

  /** Reads a checkpoint; throws a clear error when the bytes are not a policy. */
  static fromOnnx(bytes: Uint8Array, source = 'policy model'): PolicyEngine {
    const params = policyFromOnnx(bytes, source);
    // The reader checks the weights' declared dims; sampling also needs that much data behind them.
    const V = params.vocab.size;
    const sizes: Array<[string, ArrayLike<number>, number]> = [
      ['w_prev', params.wPrev, V * V],
      ['w_ctx', params.wCtx, V * V],
      ['w_pos', params.wPos, params.maxLen * V],
      ['bias', params.bias, V],
    ];
    for (const [name, data, n] of sizes)
      if (data.length !== n)
        throw new Error(`${source}: weight "${name}" has ${data.length} values, expected ${n}`);
    const digest = createHash('sha256').update(bytes).digest('hex');
    return new PolicyEngine(params, `fp_${digest.slice(0, 12)}`);
  }

  /** How many tokens the prompt has (words; unknown words count as one <unk> each). */
  promptTokens(prompt: string): number {
    return this.params.vocab.encode(prompt).length;
  }

  /** Tokens a choice can have at most: `maxTokens` capped by the model's maxLen. */
  lengthLimit(maxTokens: number | undefined): number {
    return Math.min(maxTokens ?? this.params.maxLen, this.params.maxLen);
  }

  /** Draws `n` completions of `prompt`, one per iteration. */
  *samples(prompt: string, opts: SampleOptions): Generator<Generation> {
    const base = opts.seed ?? randomInt(0, 2 ** 32 - 1);
    const logitsBase = contextLogits(this.params, promptContext(this.params.vocab, prompt));
    for (let i = 0; i < opts.n; i++)
      yield this.sampleOne(logitsBase, new Rng(seedFrom(base, prompt, i)), opts);
  }

  private sampleOne(base: Float64Array, rng: Rng, opts: SampleOptions): Generation {
    const p = this.params;
    const { vocab } = p;
    const V = vocab.size;
    const limit = this.lengthLimit(opts.maxTokens);
    const logits = new Float64Array(V);
    const probs = new Float64Array(V);
    const tokens: GeneratedToken[] = [];
    const ids: number[] = [];
    let text = '';
    for (let t = 0; t < limit; t++) {
      stepLogits(p, base, t === 0 ? vocab.bos : (ids[t - 1] as number), t, logits);
      // Reported log-probabilities are the model's own (temperature 1), as the losses use them.
      const logZ = maskedSoftmax(logits, this.allowed, 1, probs);
      const token = this.pick(logits, probs, rng, opts);
      const logprob = (logits[token] as number) - logZ;
      const top = this.topAlternatives(logits, logZ, t, opts.topLogprobs);
      if (token === vocab.eos) {
        tokens.push({ token: EOS_TOKEN, logprob, top });
        return { text, tokens, finishReason: 'stop' };
      }
      ids.push(token);
      const piece = (t === 0 ? '' : ' ') + (vocab.tokens[token] as string);
      tokens.push({ token: piece, logprob, top });
      text += piece;
      const cut = firstStop(text, opts.stop);
      if (cut !== undefined) {
        // Only the tokens that lie wholly inside the returned text keep their log-probabilities.
        let end = 0;
        const kept = tokens.filter((tk) => (end += tk.token.length) <= cut);
        return { text: text.slice(0, cut), tokens: kept, finishReason: 'stop' };
      }
    }
    // Cut by max_tokens, or at maxLen where the policy's <eos> is forced (probability 1, so
    // nothing is added to log π(y|x)).
    return { text, tokens, finishReason: 'length' };
  }

  private pick(logits: Float64Array, probs: Float64Array, rng: Rng, opts: SampleOptions): number {
    if (opts.temperature === 0) {
      let best = -1;
      for (let j = 0; j < logits.length; j++)
        if (this.allowed[j] && (best < 0 || (logits[j] as number) > (logits[best] as number))) best = j;
      return best;
    }
    const dist = new Float64Array(logits.length);
    if (opts.temperature === 1) dist.set(probs);
    else maskedSoftmax(logits, this.allowed, opts.temperature, dist);
    if (opts.topP < 1) nucleus(dist, opts.topP);
    return drawIndex(dist, rng.next());
  }

  /** The k most likely allowed tokens, best first (ties in vocabulary order), without sorting them all. */
  private topAlternatives(
    logits: Float64Array,
    logZ: number,
    position: number,
    k: number,
  ): GeneratedToken['top'] {
    const { vocab } = this.params;
    const ids: number[] = [];
    const lps: number[] = [];
    for (let j = 0; j < logits.length && k > 0; j++) {
      if (!this.allowed[j]) continue;
      const l = finiteLogprob((logits[j] as number) - logZ);
      if (ids.length === k && (lps[k - 1] as number) >= l) continue;
      let at = Math.min(ids.length, k - 1);
      while (at > 0 && (lps[at - 1] as number) < l) {
        ids[at] = ids[at - 1] as number;
        lps[at] = lps[at - 1] as number;
        at--;
      }
      ids[at] = j;
      lps[at] = l;
    }
    return ids.map((j, i) => ({
      token: j === vocab.eos ? EOS_TOKEN : (position === 0 ? '' : ' ') + (vocab.tokens[j] as string),
      logprob: lps[i] as number,
    }));
  }
}

/** Keeps the smallest set of most likely tokens whose mass reaches topP, renormalized, in place. */
function nucleus(dist: Float64Array, topP: number): void {
  const order = Array.from(dist.keys()).sort((a, b) => (dist[b] as number) - (dist[a] as number));
  let mass = 0;
  let kept = 0;
  for (const j of order) {
    if (mass >= topP && kept > 0) dist[j] = 0;
    else {
      mass += dist[j] as number;
      kept++;
    }
  }
  for (let j = 0; j < dist.length; j++) dist[j] = (dist[j] as number) / mass;
}

/** The index where the first stop sequence begins in text, if any. */
function firstStop(text: string, stop: string[]): number | undefined {
  let best: number | undefined;
  for (const s of stop) {
    const i = text.indexOf(s);
    if (i >= 0 && (best === undefined || i < best)) best = i;
  }
  return best;
}

/** Seed, sizes and training settings of the default served policy: the demo's initial (SFT) policy. */
export const DEFAULT_POLICY = { seed: 7, sftExamples: 2000, epochs: 8, lr: 0.05, maxTokens: 10 } as const;

let defaultPolicy: Promise<Uint8Array> | undefined;

/** The demo's initial policy for seed 7, trained once per process and cached. */
export function defaultPolicyOnnx(): Promise<Uint8Array> {
  if (!defaultPolicy) {
    const d = DEFAULT_POLICY;
    const data = makeDemoData({ seed: d.seed, trainPrompts: 1, evalPrompts: 1, sftExamples: d.sftExamples });
    defaultPolicy = trainInitialPolicy(data.sft, {
      seed: seedFrom(d.seed, 'sft'),
      epochs: d.epochs,
      lr: d.lr,
      maxTokens: d.maxTokens,
    }).then((r) => r.onnx);
    void defaultPolicy.catch(() => (defaultPolicy = undefined));
  }
  return defaultPolicy;
}
