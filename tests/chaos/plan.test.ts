/** The chaos suite's fault plan: the same seed gives the same plan, and every stage is struck. */
import { planFaults, STAGES } from '../../src/chaos/plan';

test('a seed always gives the same plan, and another seed another one', () => {
  const opts = { rounds: 2, diskFaults: true, batches: 4 };
  expect(planFaults(3, opts)).toEqual(planFaults(3, opts));
  const plans = new Set([1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(planFaults(s, opts))));
  expect(plans.size).toBeGreaterThan(1);
});

test.each([1, 2, 3, 4, 5])(
  'seed %i kills every stage once and corrupts an early batch of a batched stage',
  (seed) => {
    const plan = planFaults(seed, { rounds: 2, diskFaults: true, batches: 4 });
    const kills = plan.filter((f) => f.kind === 'kill-worker').map((f) => f.stage);
    expect([...kills].sort()).toEqual([...STAGES].sort());
    const corrupt = plan.filter((f) => f.kind === 'corrupt-artifact');
    expect(corrupt).toHaveLength(1);
    expect(['generate', 'judge']).toContain(corrupt[0]!.stage);
    // The last batch is never chosen: the next stage could read it before the flip.
    expect(corrupt[0]!.batch).toBeLessThan(3);
    expect(plan.filter((f) => f.kind === 'disk-full' || f.kind === 'read-only')).toHaveLength(1);
    // Non-batch artifacts, each flipped before the next round reads it.
    expect(plan.filter((f) => f.kind.startsWith('corrupt-') && f.kind !== 'corrupt-artifact')).toEqual([
      { kind: 'corrupt-prepared', round: 1, stage: 'evaluate' },
      { kind: 'corrupt-partial', round: 2, stage: 'generate' },
      { kind: 'corrupt-policy', round: 2, stage: 'train-reward' },
    ]);
    for (const f of plan) expect(f.round === 1 || f.round === 2).toBe(true);
    // Applied in run order: by round, then by stage.
    const order = plan.map((f) => f.round * 10 + STAGES.indexOf(f.stage));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  },
);

test('without a mountable store there are no disk faults', () => {
  const plan = planFaults(1, { rounds: 1, diskFaults: false, batches: 4 });
  expect(plan.some((f) => f.kind === 'disk-full' || f.kind === 'read-only')).toBe(false);
});

test.each([1, 2, 3])(
  'seed %i on an S3 store: the S3 faults in place of the local-folder ones, the rest as planned',
  (seed) => {
    const opts = { rounds: 2, diskFaults: true, batches: 4 };
    const local = planFaults(seed, opts);
    const s3 = planFaults(seed, { ...opts, s3: true });
    const s3Kinds = ['s3-restart', 's3-throttle', 'kill-mid-upload'];
    expect(
      s3
        .filter((f) => s3Kinds.includes(f.kind))
        .map((f) => f.kind)
        .sort(),
    ).toEqual([...s3Kinds].sort());
    expect(
      s3.some((f) => f.kind.startsWith('corrupt-') || f.kind === 'disk-full' || f.kind === 'read-only'),
    ).toBe(false);
    // The kills, the commit kill and the server restart strike where they do with a local store.
    const shared = (p: typeof local) =>
      p.filter((f) => ['kill-worker', 'kill-on-commit', 'server-restart'].includes(f.kind));
    expect(shared(s3)).toEqual(shared(local));
    // A worker is killed mid-upload only in a stage that uploads a checkpoint.
    expect(['train-reward', 'optimize-policy']).toContain(
      s3.find((f) => f.kind === 'kill-mid-upload')!.stage,
    );
    expect(planFaults(seed, { ...opts, s3: true })).toEqual(s3);
  },
);
