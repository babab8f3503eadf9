"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OnnxPolicyRuntime = void 0;
const rng_1 = require("../util/rng");
const math_1 = require("./math");
const policy_params_1 = require("./policy-params");
const policy_onnx_1 = require("./policy-onnx");
const policy_sample_1 = require("./policy-sample");
const ort_1 = require("./ort");
/** A loaded policy checkpoint that samples responses with onnxruntime-node. */
class OnnxPolicyRuntime {
    session;
    params;
    constructor(session, params) {
        this.session = session;
        this.params = params;
    }
    /** Loads a policy checkpoint; fails with a clear message when the bytes are not one. */
    static async create(bytes, source = 'policy model') {
        const params = (0, policy_onnx_1.policyFromOnnx)(bytes, source);
        const session = await (0, ort_1.openSession)(bytes, source);
        (0, ort_1.checkInputs)(session, ['prev', 'ctx', 'pos'], source);
        return new OnnxPolicyRuntime(session, params);
    }
    /** The vocabulary size and longest response of the loaded policy. */
    get shape() {
        return { vocabSize: this.params.vocab.size, maxLen: this.params.maxLen };
    }
    /**
     * Samples `samplesPerPrompt` responses per prompt. Each (prompt id, sample) draws from its own
     * Rng seeded with seedFrom(seed, promptId, sample), so a response does not depend on which
     * other prompts share the call.
     */
    async generate(prompts, opts) {
        if (!(opts.temperature > 0))
            throw new Error(`generate: temperature must be > 0, got ${opts.temperature}`);
        if (!Number.isInteger(opts.samplesPerPrompt) || opts.samplesPerPrompt < 1) {
            throw new Error(`generate: samplesPerPrompt must be a positive integer, got ${opts.samplesPerPrompt}`);
        }
        const { vocab, maxLen } = this.params;
        const V = vocab.size;
        const limit = Math.min(opts.maxTokens ?? maxLen, maxLen);
        const allowed = (0, policy_params_1.allowedTokens)(vocab);
        const seqs = [];
        for (const p of prompts) {
            const ctx = (0, policy_params_1.denseContext)(vocab, (0, policy_params_1.promptContext)(vocab, p.prompt));
            for (let s = 0; s < opts.samplesPerPrompt; s++) {
                seqs.push({
                    promptId: p.id,
                    prompt: p.prompt,
                    sample: s,
                    rng: new rng_1.Rng((0, rng_1.seedFrom)(opts.seed, p.id, s)),
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
            if (active.length === 0)
                break;
            const n = active.length;
            const prev = new BigInt64Array(n);
            const pos = new BigInt64Array(n).fill(BigInt(t));
            const ctx = new Float32Array(n * V);
            active.forEach((s, i) => {
                prev[i] = BigInt(t === 0 ? vocab.bos : s.ids[t - 1]);
                ctx.set(s.ctx, i * V);
            });
            const out = await this.session.run({
                prev: new ort_1.ort.Tensor('int64', prev, [n]),
                ctx: new ort_1.ort.Tensor('float32', ctx, [n, V]),
                pos: new ort_1.ort.Tensor('int64', pos, [n]),
            });
            const logitsTensor = out.logits;
            if (!logitsTensor)
                throw new Error('policy model returned no "logits" output');
            const all = logitsTensor.data;
            active.forEach((s, i) => {
                const logits = all.subarray(i * V, (i + 1) * V);
                let token;
                if (t === limit) {
                    token = vocab.eos;
                }
                else {
                    (0, math_1.maskedSoftmax)(logits, allowed, opts.temperature, probs);
                    token = (0, policy_sample_1.drawIndex)(probs, s.rng.next());
                }
                const logZ = (0, math_1.maskedSoftmax)(logits, allowed, 1, probs);
                s.logprob += logits[token] - logZ;
                if (token === vocab.eos)
                    s.done = true;
                else
                    s.ids.push(token);
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
    async release() {
        await this.session.release();
    }
}
exports.OnnxPolicyRuntime = OnnxPolicyRuntime;
//# sourceMappingURL=onnx-policy-runtime.js.map