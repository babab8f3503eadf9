/** The ONNX files are the checkpoints: round trips and onnxruntime-node agree with the JS maths. */
import {
  initPolicy,
  exportPolicyOnnx,
  policyFromOnnx,
  policyLogits,
  denseContext,
  promptContext,
} from '../../src/models/policy';
import { floatOutput, openSession } from '../../src/models/ort';
import { Vocab } from '../../src/models/vocab';
import { FEATURE_DIM, featurizeSparse } from '../../src/reward/features';
import { rewardOf, type LinearReward } from '../../src/reward/linear-reward';
import { exportRewardOnnx, OnnxRewardModel, rewardModelFromOnnx } from '../../src/reward/reward-model';
import { demoPrompts, demoSftCorpus } from '../../src/demo/world';
import { Rng } from '../../src/util/rng';

describe('policy ONNX', () => {
  const policy = initPolicy(Vocab.demo(), 10, new Rng(1), 0.5);

  it('policyFromOnnx(exportPolicyOnnx(p)) equals p', () => {
    const back = policyFromOnnx(exportPolicyOnnx(policy));
    expect(back.vocab.tokens).toEqual(policy.vocab.tokens);
    expect(back.maxLen).toBe(10);
    expect(back.wPrev).toEqual(policy.wPrev);
    expect(back.wCtx).toEqual(policy.wCtx);
    expect(back.wPos).toEqual(policy.wPos);
    expect(back.bias).toEqual(policy.bias);
  });

  it('onnxruntime-node logits equal the JS logits', async () => {
    const V = policy.vocab.size;
    const session = await openSession(exportPolicyOnnx(policy), 'test policy');
    try {
      const rng = new Rng(2);
      const rows = demoPrompts(3, 16, 'eval').map((p, i) => ({
        prompt: p.prompt,
        prev: rng.int(V),
        pos: i % 10,
      }));
      const ctx = new Float32Array(rows.length * V);
      rows.forEach((r, i) =>
        denseContext(policy.vocab, promptContext(policy.vocab, r.prompt), ctx.subarray(i * V, (i + 1) * V)),
      );
      const out = await session.run({
        prev: {
          type: 'int64',
          data: BigInt64Array.from(rows.map((r) => BigInt(r.prev))),
          dims: [rows.length],
        },
        ctx: { type: 'float32', data: ctx, dims: [rows.length, V] },
        pos: { type: 'int64', data: BigInt64Array.from(rows.map((r) => BigInt(r.pos))), dims: [rows.length] },
      });
      expect(out.logits!.dims).toEqual([rows.length, V]);
      const logits = floatOutput(out, 'logits', 'test policy');
      rows.forEach((r, i) => {
        const js = policyLogits(policy, r.prompt, r.prev, r.pos);
        for (let j = 0; j < V; j++)
          expect(Math.abs((logits[i * V + j] as number) - (js[j] as number))).toBeLessThan(1e-5);
      });
    } finally {
      await session.release();
    }
  });

  it('rejects bytes that are not a policy checkpoint, naming the source', () => {
    expect(() => policyFromOnnx(Uint8Array.of(1, 2, 3, 4, 5), 'broken.onnx')).toThrow(/broken\.onnx/);
    const reward = exportRewardOnnx({
      dim: FEATURE_DIM,
      weights: new Float32Array(FEATURE_DIM),
      bias: new Float32Array(1),
    });
    expect(() => policyFromOnnx(reward, 'rm.onnx')).toThrow(/rm\.onnx is not a policy checkpoint/);
  });
});

describe('reward model ONNX', () => {
  const rng = new Rng(9);
  const model: LinearReward = {
    dim: FEATURE_DIM,
    weights: Float32Array.from({ length: FEATURE_DIM }, () => rng.normal()),
    bias: Float32Array.of(0.25),
  };

  it('round-trips its weights', () => {
    const back = rewardModelFromOnnx(exportRewardOnnx(model));
    expect(back.weights).toEqual(model.weights);
    expect(back.bias).toEqual(model.bias);
  });

  it('onnxruntime-node rewards equal the JS rewards', async () => {
    const rows = demoSftCorpus(4, 40);
    const rm = await OnnxRewardModel.create(exportRewardOnnx(model));
    try {
      const ort = await rm.score(rows);
      expect(ort.length).toBe(rows.length);
      rows.forEach((r, i) => {
        const js = rewardOf(model, featurizeSparse(r.prompt, r.response));
        expect(Math.abs((ort[i] as number) - js)).toBeLessThan(1e-4 * Math.max(1, Math.abs(js)));
      });
      expect(await rm.score([])).toHaveLength(0);
    } finally {
      await rm.release();
    }
  });

  it('refuses a model that is not a reward model for this featurizer', async () => {
    const policyBytes = exportPolicyOnnx(initPolicy(Vocab.demo(), 4));
    await expect(OnnxRewardModel.create(policyBytes, 'policy.onnx')).rejects.toThrow(
      /policy\.onnx is not a reward model/,
    );
    const small = exportRewardOnnx({ dim: 8, weights: new Float32Array(8), bias: new Float32Array(1) });
    await expect(OnnxRewardModel.create(small, 'small.onnx')).rejects.toThrow(/expects 8 features/);
  });
});
