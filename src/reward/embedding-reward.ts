/**
 * A reward model on embeddings: a linear Bradley–Terry head r = w · e + b over an embedding
 * endpoint's vectors of (prompt, response), trained on the judge's soft labels like the lexical
 * reward model, exported to ONNX (embedding float [N, D] → reward float [N]) and scored with
 * onnxruntime-node. The embedder is frozen; only the head learns, which is why a few hundred
 * pairs suffice.
 */
import { InvalidInputError } from '../data/errors';
import { checkInputs, floatOutput, openSession, type OrtSession } from '../models/ort';
import { buildOnnxModel, readOnnxModel } from '../onnx/build';
import { throwIfAborted, yieldToEventLoop } from '../stages/abort';
import { agreementWithJudge, splitHeldOut } from '../stages/train-reward';
import type { PreferenceRow, ProgressFn } from '../stages/types';
import { trainBradleyTerry, type BtPair } from './bradley-terry';
import type { EmbeddingFeaturizer } from './embedding-features';
import type { SparseFeatures } from './features';
import type { LinearReward } from './linear-reward';

/** The metadata value of `kind` that marks an embedding reward model. */
export const EMBEDDING_REWARD_KIND = 'rlaif-embedding-reward';

/** Weight of the centering term, as in the lexical reward model: pins the offset, does not bend the fit. */
const CENTERING = 1e-3;
/** Epochs between progress reports and abort checks. */
const EPOCHS_PER_REPORT = 10;

/** What an embedding reward model's ONNX file records about the embeddings it expects. */
export interface EmbeddingRewardMeta {
  /** The embedding model (endpoint model name, with `@dimensions` when shortened). */
  embeddingModel: string;
  /** How (prompt, response) became text (see `embeddingText`). */
  textFormat: string;
}

/** Serializes the head: MatMul(embedding [N, D], w [D]) + b → reward [N]. */
export function exportEmbeddingRewardOnnx(head: LinearReward, meta: EmbeddingRewardMeta): Uint8Array {
  return buildOnnxModel({
    name: 'embedding_reward',
    inputs: [{ name: 'embedding', type: 'float', shape: ['N', head.dim] }],
    outputs: [{ name: 'reward', type: 'float', shape: ['N'] }],
    nodes: [
      { op: 'MatMul', inputs: ['embedding', 'w'], outputs: ['score'] },
      { op: 'Add', inputs: ['score', 'b'], outputs: ['reward'] },
    ],
    weights: [
      { name: 'w', dims: [head.dim], data: head.weights },
      { name: 'b', dims: [1], data: head.bias },
    ],
    metadata: {
      kind: EMBEDDING_REWARD_KIND,
      embeddingModel: meta.embeddingModel,
      embeddingDim: String(head.dim),
      textFormat: meta.textFormat,
    },
  });
}

/** Reads the head and its metadata back from an embedding reward model's ONNX bytes. */
export function embeddingRewardFromOnnx(
  bytes: Uint8Array,
  source = 'embedding reward model',
): { head: LinearReward } & EmbeddingRewardMeta {
  const m = readOnnxModel(bytes, source);
  if (m.metadata.kind !== EMBEDDING_REWARD_KIND) {
    throw new Error(
      `${source} is not an embedding reward model: metadata kind is "${m.metadata.kind ?? ''}", expected "${EMBEDDING_REWARD_KIND}"`,
    );
  }
  const dim = Number(m.metadata.embeddingDim);
  const w = m.weights.get('w');
  const b = m.weights.get('b');
  if (!(dim > 0) || !w || w.dims.join(',') !== String(dim))
    throw new Error(`${source}: weight "w" is missing or not [${m.metadata.embeddingDim ?? '?'}]`);
  if (!b || b.data.length !== 1) throw new Error(`${source}: weight "b" is missing or not [1]`);
  return {
    head: { dim, weights: w.data.slice(), bias: b.data.slice() },
    embeddingModel: m.metadata.embeddingModel ?? '',
    textFormat: m.metadata.textFormat ?? '',
  };
}

/** r = w · e + b for each row of a row-major [N, D] block (float64 maths): the JS twin of the ONNX graph. */
export function linearHeadScores(head: LinearReward, block: Float32Array): Float64Array {
  const n = block.length / head.dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let r = head.bias[0] as number;
    for (let j = 0; j < head.dim; j++) r += (head.weights[j] as number) * (block[i * head.dim + j] as number);
    out[i] = r;
  }
  return out;
}

/** Scores (prompt, response) rows: embeds them with the featurizer, then runs the head in onnxruntime. */
export class EmbeddingRewardScorer {
  private constructor(
    private readonly session: OrtSession,
    private readonly featurizer: EmbeddingFeaturizer,
    /** Embedding dimension the head expects. */
    readonly dim: number,
  ) {}

  /**
   * Loads embedding-reward ONNX bytes; fails clearly when they are not one, or were trained on
   * another embedding model or text format than the featurizer's.
   */
  static async create(
    bytes: Uint8Array,
    featurizer: EmbeddingFeaturizer,
    source = 'embedding reward model',
  ): Promise<EmbeddingRewardScorer> {
    const m = embeddingRewardFromOnnx(bytes, source);
    if (m.embeddingModel !== featurizer.embeddingModel || m.textFormat !== featurizer.textFormat) {
      throw new Error(
        `${source} was trained on embeddings of "${m.embeddingModel}" (${m.textFormat}), the featurizer gives "${featurizer.embeddingModel}" (${featurizer.textFormat})`,
      );
    }
    const session = await openSession(bytes, source);
    await checkInputs(session, ['embedding'], source);
    const spec = session.inputs[0];
    if (!spec || spec.type !== 'float32' || spec.shape.length !== 2 || spec.shape[1] !== m.head.dim) {
      await session.release();
      throw new Error(
        `${source} declares input "embedding" as ${spec?.type ?? 'non-tensor'} [${spec?.shape.join(', ') ?? ''}], expected float32 [N, ${m.head.dim}]`,
      );
    }
    return new EmbeddingRewardScorer(session, featurizer, m.head.dim);
  }

  /** Rewards of the rows, in order. */
  async score(
    rows: Array<{ prompt: string; response: string }>,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    if (rows.length === 0) return new Float32Array(0);
    const { data, dim } = await this.featurizer.embedRows(rows, signal);
    return this.scoreEmbeddings(data, dim);
  }

  /** Rewards of precomputed embeddings (row-major [N, D]). */
  async scoreEmbeddings(data: Float32Array, dim = this.dim): Promise<Float32Array> {
    if (dim !== this.dim)
      throw new Error(`embedding reward model expects ${this.dim}-dimensional embeddings, got ${dim}`);
    const n = data.length / dim;
    if (n === 0) return new Float32Array(0);
    const out = await this.session.run({ embedding: { type: 'float32', data, dims: [n, dim] } });
    return floatOutput(out, 'reward', 'embedding reward model');
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Options of `trainEmbeddingRewardModel`, as for the lexical reward model. */
export interface EmbeddingRewardTrainOptions {
  /** Seed of the held-out split (keep it fixed across rounds so a pair stays on its side). */
  seed: number;
  heldOutFraction: number;
  epochs: number;
  lr: number;
  /** λ in λ‖w‖². */
  l2: number;
}

/** What training returns. */
export interface EmbeddingRewardTrainResult {
  onnx: Uint8Array;
  heldOutAgreement: number;
  heldOutPairs: number;
  trainPairs: number;
  trainLoss: number;
  embeddingDim: number;
}

/** A dense vector as the sparse form the Bradley–Terry trainer takes (every index present). */
function dense(v: Float32Array): SparseFeatures {
  return { idx: Array.from(v, (_, i) => i), val: Array.from(v) };
}

/**
 * Embeds every pair's texts (each text once, cached), trains the linear head on the non-held-out
 * pairs with full-batch Adam on the soft-label Bradley–Terry loss, exports it to ONNX and scores
 * the held-out pairs from those bytes with onnxruntime-node. The split and the agreement follow
 * `trainRewardModel` exactly: `splitHeldOut(pairs, seed, fraction)`, only decisive (q ≠ 0.5) held-out pairs
 * count, a reward tie is a miss.
 */
export async function trainEmbeddingRewardModel(
  pairs: PreferenceRow[],
  featurizer: EmbeddingFeaturizer,
  opts: EmbeddingRewardTrainOptions,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<EmbeddingRewardTrainResult> {
  const where = 'trainEmbeddingRewardModel';
  if (!(opts.heldOutFraction > 0 && opts.heldOutFraction < 1))
    throw new Error(`${where}: heldOutFraction must be in (0, 1), got ${opts.heldOutFraction}`);
  throwIfAborted(signal, where);
  const { train, held } = splitHeldOut(pairs, opts.seed, opts.heldOutFraction);
  if (train.length === 0)
    throw new InvalidInputError(`${where}: none of the ${pairs.length} pairs is left for training`);
  if (held.length === 0) {
    throw new InvalidInputError(
      `${where}: no held-out pair with a decisive label among ${pairs.length} pairs; use more prompts or a larger heldOutFraction`,
    );
  }
  const rowsOf = (ps: PreferenceRow[]) =>
    ps.flatMap((p) => [
      { prompt: p.prompt, response: p.a },
      { prompt: p.prompt, response: p.b },
    ]);
  // One call for train and held-out texts, so that batches are full and each text is sent once.
  const all = await featurizer.embedRows([...rowsOf(train), ...rowsOf(held)], signal);
  throwIfAborted(signal, where);
  const dim = all.dim;
  const row = (i: number): Float32Array => all.data.subarray(i * dim, (i + 1) * dim);
  const btPairs: BtPair[] = train.map((p, i) => ({ a: dense(row(2 * i)), b: dense(row(2 * i + 1)), q: p.p }));
  const { model, loss } = await trainBradleyTerry(
    btPairs,
    { epochs: opts.epochs, lr: opts.lr, l2: opts.l2, centering: CENTERING, dim },
    async (epoch) => {
      if (epoch % EPOCHS_PER_REPORT !== 0 && epoch !== opts.epochs) return;
      onProgress?.(epoch, opts.epochs);
      await yieldToEventLoop();
      throwIfAborted(signal, where);
    },
  );
  const onnx = exportEmbeddingRewardOnnx(model, {
    embeddingModel: featurizer.embeddingModel,
    textFormat: featurizer.textFormat,
  });
  const scorer = await EmbeddingRewardScorer.create(onnx, featurizer, 'trained embedding reward model');
  try {
    const heldBlock = all.data.subarray(2 * train.length * dim);
    const r = await scorer.scoreEmbeddings(heldBlock, dim);
    const rA = held.map((_, i) => r[2 * i] as number);
    const rB = held.map((_, i) => r[2 * i + 1] as number);
    return {
      onnx,
      heldOutAgreement: agreementWithJudge(held, rA, rB),
      heldOutPairs: held.length,
      trainPairs: train.length,
      trainLoss: loss,
      embeddingDim: dim,
    };
  } finally {
    await scorer.release();
  }
}
