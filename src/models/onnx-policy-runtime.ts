/** Generation with the policy's ONNX checkpoint on onnxruntime-node, every sequence of a call batched per step. */
import type { ResponseRow } from '../stages/types';
import { Rng, seedFrom } from '../util/rng';
import { maskedSoftmax } from './math';
import { allowedTokens, denseContext, promptContext, type PolicyParams } from './policy-params';
import { policyFromOnnx } from './policy-onnx';
import { drawIndex } from './policy-sample';
import { checkInputs, floatOutput, openSession, type OrtSession } from './ort';

/** Options of one generation call. */
export interface GenerateOptions {
  /** Responses drawn per prompt. */
  samplesPerPrompt: number;
  /** Sampling temperature (> 0); the reported logprob is at temperature 1 regardless. */
  temperature: number;
  /** Run seed; each (prompt id, sample) gets its own stream derived from it. */
  seed: number;
  /** Words at most (capped by the model's maxLen); <eos> is forced after them. */
  maxTokens?: number;
}

interface Sequence {
  promptId: string;
  prompt: string;
  sample: number;
  rng: Rng;
  ctx: Float32Array;
  ids: number[];
  logprob: number;
  done: boolean;
}

/** A loaded policy checkpoint that samples responses with onnxruntime-node. */
export class OnnxPolicyRuntime {
  private constructor(
    private readonly session: OrtSession,
    private readonly params: PolicyParams,
  ) {}

  /** Loads a policy checkpoint; fails with a clear message when the bytes are not one. */
  static async create(bytes: Uint8Array, source = 'policy model'): Promise<OnnxPolicyRuntime> {
    const params = policyFromOnnx(bytes, source);
    const session = await openSession(bytes, source);
    await checkInputs(session, ['prev', 'ctx', 'pos'], source);
    return new OnnxPolicyRuntime(session, params);
  }

  /** The vocabulary size and longest response of the loaded policy. */
  get shape(): { vocabSize: number; maxLen: number } {
    return { vocabSize: this.params.vocab.size, maxLen: this.params.maxLen };
  }

  /**
   * Samples `samplesPerPrompt` responses per prompt. Each (prompt id, sample) draws from its own
   * Rng seeded with seedFrom(seed, promptId, sample), so a response does not depend on which
   * other prompts share the call.
   */
  async generate(prompts: { id: string; prompt: string }[], opts: GenerateOptions): Promise<ResponseRow[]> {
    if (!(opts.temperature > 0))
      throw new Error(`generate: temperature must be > 0, got ${opts.temperature}`);
    if (!Number.isInteger(opts.samplesPerPrompt) || opts.samplesPerPrompt < 1) {
      throw new Error(`generate: samplesPerPrompt must be a positive integer, got ${opts.samplesPerPrompt}`);
    }
    const { vocab, maxLen } = this.params;
    const V = vocab.size;
    const limit = Math.min(opts.maxTokens ?? maxLen, maxLen);
    const allowed = allowedTokens(vocab);
    const seqs: Sequence[] = [];
    for (const p of prompts) {
      const ctx = denseContext(vocab, promptContext(vocab, p.prompt));
      for (let s = 0; s < opts.samplesPerPrompt; s++) {
        seqs.push({
          promptId: p.id,
          prompt: p.prompt,
          sample: s,
          rng: new Rng(seedFrom(opts.seed, p.id, s)),
          ctx,
          ids: [],
          logprob: 0,
          done: false,
        });
      }
    }
    const probs = new Float64Array(V);
    // After maxLen words <eos> is forced with probability 1, so the loop needs no step for it.
    for (let t = 0; t < maxLen; t++) {
      const active = seqs.filter((s) => !s.done);
      if (active.length === 0) break;
      const n = active.length;
      const prev = new BigInt64Array(n);
      const pos = new BigInt64Array(n).fill(BigInt(t));
      const ctx = new Float32Array(n * V);
      active.forEach((s, i) => {
        prev[i] = BigInt(t === 0 ? vocab.bos : (s.ids[t - 1] as number));
        ctx.set(s.ctx, i * V);
      });
      const out = await this.session.run({
        prev: { type: 'int64', data: prev, dims: [n] },
        ctx: { type: 'float32', data: ctx, dims: [n, V] },
        pos: { type: 'int64', data: pos, dims: [n] },
      });
      const all = floatOutput(out, 'logits', 'policy model');
      active.forEach((s, i) => {
        const logits = all.subarray(i * V, (i + 1) * V);
        let token: number;
        if (t === limit) {
          token = vocab.eos;
        } else {
          maskedSoftmax(logits, allowed, opts.temperature, probs);
          token = drawIndex(probs, s.rng.next());
        }
        const logZ = maskedSoftmax(logits, allowed, 1, probs);
        s.logprob += (logits[token] as number) - logZ;
        if (token === vocab.eos) s.done = true;
        else s.ids.push(token);
      });
    }
    return seqs.map((s) => ({
      id: `${s.promptId}#${s.sample}`,
      promptId: s.promptId,
      prompt: s.prompt,
      sample: s.sample,
      response: vocab.decode(s.ids),
      logprob: s.logprob,
    }));
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
