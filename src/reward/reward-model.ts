/** The reward model's ONNX form (features float [N,D] → reward float [N]) and its onnxruntime scorer. */
import { buildOnnxModel, readOnnxModel } from '../onnx/build';
import { checkInputs, floatOutput, openSession, type OrtSession } from '../models/ort';
import { FEATURE_DIM, FEATURIZER, featurizeBatch } from './features';
import type { LinearReward } from './linear-reward';

/** The metadata value of `kind` that marks a reward model. */
export const REWARD_KIND = 'rlaif-linear-reward';

/** Serializes a linear reward head: MatMul(features [N,D], w [D]) → [N], plus the bias. */
export function exportRewardOnnx(model: LinearReward): Uint8Array {
  return buildOnnxModel({
    name: 'linear_reward',
    inputs: [{ name: 'features', type: 'float', shape: ['N', model.dim] }],
    outputs: [{ name: 'reward', type: 'float', shape: ['N'] }],
    nodes: [
      // A 1-D right operand makes MatMul a matrix-vector product (numpy semantics): no Reshape needed.
      { op: 'MatMul', inputs: ['features', 'w'], outputs: ['score'] },
      { op: 'Add', inputs: ['score', 'b'], outputs: ['reward'] },
    ],
    weights: [
      { name: 'w', dims: [model.dim], data: model.weights },
      { name: 'b', dims: [1], data: model.bias },
    ],
    metadata: { kind: REWARD_KIND, featurizer: FEATURIZER, featureDim: String(model.dim) },
  });
}

/** Reads the linear head back from a reward model's ONNX bytes, checking it matches this featurizer. */
export function rewardModelFromOnnx(bytes: Uint8Array, source = 'reward model'): LinearReward {
  const m = readOnnxModel(bytes, source);
  if (m.metadata.kind !== REWARD_KIND) {
    throw new Error(
      `${source} is not a reward model: metadata kind is "${m.metadata.kind ?? ''}", expected "${REWARD_KIND}"`,
    );
  }
  if (m.metadata.featurizer !== FEATURIZER) {
    throw new Error(
      `${source} was built for featurizer "${m.metadata.featurizer ?? ''}", this code computes "${FEATURIZER}"`,
    );
  }
  const dim = Number(m.metadata.featureDim);
  if (dim !== FEATURE_DIM)
    throw new Error(
      `${source} expects ${m.metadata.featureDim} features, the featurizer gives ${FEATURE_DIM}`,
    );
  const w = m.weights.get('w');
  const b = m.weights.get('b');
  if (!w || w.dims.join(',') !== String(dim))
    throw new Error(`${source}: weight "w" is missing or not [${dim}]`);
  if (!b || b.data.length !== 1) throw new Error(`${source}: weight "b" is missing or not [1]`);
  return { dim, weights: w.data.slice(), bias: b.data.slice() };
}

/** A reward model loaded into onnxruntime-node; scores (prompt, response) rows in one batched run. */
export class OnnxRewardModel {
  private constructor(
    private readonly session: OrtSession,
    readonly dim: number,
  ) {}

  /** Loads reward-model bytes; fails clearly when they are not a reward model for this featurizer. */
  static async create(bytes: Uint8Array, source = 'reward model'): Promise<OnnxRewardModel> {
    const head = rewardModelFromOnnx(bytes, source);
    const session = await openSession(bytes, source);
    await checkInputs(session, ['features'], source);
    const meta = session.inputs[0];
    if (!meta || meta.type !== 'float32' || meta.shape.length !== 2 || meta.shape[1] !== head.dim) {
      await session.release();
      throw new Error(
        `${source} declares input "features" as ${meta?.type ?? 'non-tensor'} [${meta?.shape.join(', ') ?? ''}], expected float32 [N, ${head.dim}]`,
      );
    }
    return new OnnxRewardModel(session, head.dim);
  }

  /** Rewards of the rows, in order. */
  async score(rows: { prompt: string; response: string }[]): Promise<Float32Array> {
    if (rows.length === 0) return new Float32Array(0);
    const features = featurizeBatch(rows, this.dim);
    const out = await this.session.run({
      features: { type: 'float32', data: features, dims: [rows.length, this.dim] },
    });
    return floatOutput(out, 'reward', 'reward model');
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
