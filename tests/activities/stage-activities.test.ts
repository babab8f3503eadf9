/** Activity behaviour under Temporal's mock environment: idempotency, resume, cancellation. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { pairResponses } from '../../src/judges/judge-batch';
import { keyOfRef } from '../../src/store/artifact';
import { parseRunConfig } from '../../src/config/parse';
import type { PreparedRun, StageInput } from '../../src/contracts';
import type { PreferenceRow, ResponseRow } from '../../src/stages/types';
import { LocalArtifactStore } from '../../src/store/local-store';

const config = parseRunConfig({
  seed: 3,
  data: { kind: 'demo', trainPrompts: 24, evalPrompts: 16, sftExamples: 200 },
  generate: { batchSize: 24 },
});

let root: string;
let store: LocalArtifactStore;
let acts: ReturnType<typeof createActivities>;
let prepared: PreparedRun;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-acts-'));
  store = new LocalArtifactStore(root);
  acts = createActivities({ store });
  prepared = await runIn(new MockActivityEnvironment(), acts['rlaif.prepare'], { runKey: 'r', config });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** MockActivityEnvironment.run with the activity's own return type. */
function runIn<A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return env.run(fn as never, ...(args as unknown as never[])) as Promise<R>;
}

function input(round: number, extra: Partial<StageInput> = {}): StageInput {
  return {
    runKey: 'r',
    round,
    stageId: 'generate',
    config,
    board: { ...prepared, policy: prepared.initialPolicy },
    batch: { index: 0, count: 1 },
    ...extra,
  };
}

test('a retried activity that finds its committed batch returns it without recomputing', async () => {
  const first = await runIn(new MockActivityEnvironment(), acts['rlaif.generate'], input(1));
  const ref = first.artifacts.responses![0]!;
  expect(ref.count).toBe(48);
  // Remove the policy the batch was computed from: a recomputation would now fail.
  fs.renameSync(
    store.pathOf(keyOfRef(prepared.initialPolicy)),
    `${store.pathOf(keyOfRef(prepared.initialPolicy))}.away`,
  );
  try {
    const again = await runIn(new MockActivityEnvironment({ attempt: 2 }), acts['rlaif.generate'], input(1));
    expect(again).toEqual(first);
  } finally {
    fs.renameSync(
      `${store.pathOf(keyOfRef(prepared.initialPolicy))}.away`,
      store.pathOf(keyOfRef(prepared.initialPolicy)),
    );
  }
  const commits = (await store.commitLog()).filter((c) => c.key === keyOfRef(ref));
  expect(commits).toHaveLength(1);
});

test('a partial batch resumes from the whole rows of its partial file, even past a stale heartbeat', async () => {
  const gen = await runIn(new MockActivityEnvironment(), acts['rlaif.generate'], input(2));
  const judgeInput = input(2, {
    stageId: 'judge',
    board: { ...input(2).board, responses: gen.artifacts.responses! },
  });
  const key = 'runs/r/round-0002/judge/batch-0000-of-0001.jsonl';
  // A previous attempt judged 8 pairs, wrote them, died in the middle of the next append, and the
  // server's copy of its (throttled) heartbeat says only {rows: 4}. Mark its rows so we can tell
  // kept rows from recomputed ones.
  const responses = await store.readJsonl<ResponseRow>(gen.artifacts.responses![0]!);
  // The first 8 pairs in the judge's own order, with a label no judge would give.
  const earlier: PreferenceRow[] = pairResponses(responses)
    .slice(0, 8)
    .map((pair) => ({ ...pair, pAB: 0.99, pBA: 0.01, p: 0.99, flipped: false }));
  await store.appendPartial(key, earlier);
  fs.appendFileSync(`${store.pathOf(key)}.partial.jsonl`, '{"id":"torn","promptId":"p');
  const env = new MockActivityEnvironment({ heartbeatDetails: { rows: 4, total: 24 }, attempt: 2 });
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const out = await runIn(env, acts['rlaif.judge'], judgeInput);
  const rows = await store.readJsonl<PreferenceRow>(out.artifacts.preferences![0]!);
  expect(rows).toHaveLength(24);
  expect(rows.slice(0, 8).every((r) => r.p === 0.99)).toBe(true);
  expect(rows.slice(8).some((r) => r.p !== 0.99)).toBe(true);
  expect(beats[0]).toEqual({ rows: 8, total: 24 });
  expect(fs.existsSync(`${store.pathOf(key)}.partial.jsonl`)).toBe(false);
});

test('cancellation stops the work and commits nothing', async () => {
  const big = parseRunConfig({
    ...config,
    data: { kind: 'demo', trainPrompts: 24, evalPrompts: 16, sftExamples: 200 },
    policy: { optimizer: { steps: 100000 } },
  });
  const env = new MockActivityEnvironment();
  const started = Date.now();
  const pending = runIn(env, acts['rlaif.optimizePolicy'], {
    ...input(3, { stageId: 'optimize-policy', config: big }),
    method: 'judge-score' as const,
  });
  setTimeout(() => env.cancel(), 1500);
  await expect(pending).rejects.toBeDefined();
  expect(Date.now() - started).toBeLessThan(10000);
  expect(await store.get('runs/r/round-0003/optimize-policy/policy.onnx')).toBeUndefined();
  expect(await store.get('runs/r/round-0003/optimize-policy/result.json')).toBeUndefined();
});
