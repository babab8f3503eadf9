/**
 * The policy's ONNX form, which is also its checkpoint: the weights are initializers, the
 * vocabulary and maxLen metadata. Training reads the weights back from these bytes.
 */
import { buildOnnxModel, readOnnxModel } from '../onnx/build';
import type { PolicyParams } from './policy-params';
import { Vocab } from './vocab';

/** The metadata value of `kind` that marks a policy checkpoint. */
export const POLICY_KIND = 'rlaif-loglinear-policy';

/** Serializes the policy: inputs prev int64 [N], ctx float [N,V], pos int64 [N]; output logits float [N,V]. */
export function exportPolicyOnnx(p: PolicyParams): Uint8Array {
  const V = p.vocab.size;
  return buildOnnxModel({
    name: 'loglinear_policy',
    inputs: [
      { name: 'prev', type: 'int64', shape: ['N'] },
      { name: 'ctx', type: 'float', shape: ['N', V] },
      { name: 'pos', type: 'int64', shape: ['N'] },
    ],
    outputs: [{ name: 'logits', type: 'float', shape: ['N', V] }],
    nodes: [
      {
        op: 'Gather',
        inputs: ['w_prev', 'prev'],
        outputs: ['prev_logits'],
        attributes: { axis: 0 },
        intAttributes: ['axis'],
      },
      { op: 'MatMul', inputs: ['ctx', 'w_ctx'], outputs: ['ctx_logits'] },
      {
        op: 'Gather',
        inputs: ['w_pos', 'pos'],
        outputs: ['pos_logits'],
        attributes: { axis: 0 },
        intAttributes: ['axis'],
      },
      { op: 'Add', inputs: ['prev_logits', 'ctx_logits'], outputs: ['sum1'] },
      { op: 'Add', inputs: ['sum1', 'pos_logits'], outputs: ['sum2'] },
      { op: 'Add', inputs: ['sum2', 'bias'], outputs: ['logits'] },
    ],
    weights: [
      { name: 'w_prev', dims: [V, V], data: p.wPrev },
      { name: 'w_ctx', dims: [V, V], data: p.wCtx },
      { name: 'w_pos', dims: [p.maxLen, V], data: p.wPos },
      { name: 'bias', dims: [V], data: p.bias },
    ],
    metadata: { kind: POLICY_KIND, vocab: JSON.stringify(p.vocab.tokens), maxLen: String(p.maxLen) },
  });
}

/** Reads a policy checkpoint; errors name `source` and what is missing or malformed. */
export function policyFromOnnx(bytes: Uint8Array, source = 'policy model'): PolicyParams {
  const model = readOnnxModel(bytes, source);
  if (model.metadata.kind !== POLICY_KIND) {
    throw new Error(
      `${source} is not a policy checkpoint: metadata kind is "${model.metadata.kind ?? ''}", expected "${POLICY_KIND}"`,
    );
  }
  let tokens: unknown;
  try {
    tokens = JSON.parse(model.metadata.vocab ?? '');
  } catch {
    throw new Error(`${source}: metadata "vocab" is not JSON`);
  }
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) {
    throw new Error(`${source}: metadata "vocab" is not a list of strings`);
  }
  const vocab = new Vocab(tokens as string[]);
  const maxLen = Number(model.metadata.maxLen);
  if (!Number.isInteger(maxLen) || maxLen < 1)
    throw new Error(`${source}: metadata "maxLen" is not a positive integer`);
  const V = vocab.size;
  const weight = (name: string, dims: number[]): Float32Array => {
    const w = model.weights.get(name);
    if (!w) throw new Error(`${source}: weight "${name}" is missing`);
    if (w.dims.join(',') !== dims.join(',')) {
      throw new Error(
        `${source}: weight "${name}" has dims [${w.dims.join(', ')}], expected [${dims.join(', ')}]`,
      );
    }
    return w.data.slice();
  };
  return {
    vocab,
    maxLen,
    wPrev: weight('w_prev', [V, V]),
    wCtx: weight('w_ctx', [V, V]),
    wPos: weight('w_pos', [maxLen, V]),
    bias: weight('bias', [V]),
  };
}
