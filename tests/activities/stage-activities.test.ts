/** Activity behaviour under Temporal's mock environment: idempotency, resume, cancellation. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { pairResponses } from '../../src/judges/judge-pairs';
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
  // The same batch computed under another stage id gives the rows in the generator's own order.
  const probe = await runIn(
    new MockActivityEnvironment(),
    acts['rlaif.generate'],
    input(2, { stageId: 'probe' }),
  );
  const expected = await store.readJsonl<ResponseRow>(probe.artifacts.responses![0]!);
  const key = 'runs/r/round-0002/generate/batch-0000-of-0001.jsonl';
  // A previous attempt sampled 4 prompts (8 rows), wrote them, died in the middle of the next
  // append, and the server's copy of its (throttled) heartbeat says only {rows: 4}. Mark its rows
  // so we can tell kept rows from recomputed ones.
  const earlier = expected.slice(0, 8).map((r) => ({ ...r, response: 'MARKED' }));
  await store.appendPartial(key, earlier);
  fs.appendFileSync(`${store.pathOf(key)}.partial.jsonl`, '{"id":"torn","promptId":"p');
  const env = new MockActivityEnvironment({ heartbeatDetails: { rows: 4, total: 48 }, attempt: 2 });
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const out = await runIn(env, acts['rlaif.generate'], input(2));
  const rows = await store.readJsonl<ResponseRow>(out.artifacts.responses![0]!);
  expect(rows).toHaveLength(48);
  expect(rows.slice(0, 8).every((r) => r.response === 'MARKED')).toBe(true);
  // The rest was computed, and is what a fresh attempt computes.
  expect(rows.slice(8)).toEqual(expected.slice(8));
  expect(beats[0]).toEqual({ rows: 8, total: 48 });
  expect(fs.existsSync(`${store.pathOf(key)}.partial.jsonl`)).toBe(false);
});

test('the local judge labels a batch whole and commits it once, without a partial file', async () => {
  const gen = await runIn(new MockActivityEnvironment(), acts['rlaif.generate'], input(3));
  const judgeInput = input(3, {
    stageId: 'judge',
    board: { ...input(3).board, responses: gen.artifacts.responses! },
  });
  const out = await runIn(new MockActivityEnvironment(), acts['rlaif.judge'], judgeInput);
  const rows = await store.readJsonl<PreferenceRow>(out.artifacts.preferences![0]!);
  const responses = await store.readJsonl<ResponseRow>(gen.artifacts.responses![0]!);
  expect(rows.map((r) => r.id)).toEqual(pairResponses(responses).map((p) => p.id));
  const key = keyOfRef(out.artifacts.preferences![0]!);
  expect(fs.existsSync(`${store.pathOf(key)}.partial.jsonl`)).toBe(false);
  // A retry returns the committed result; nothing is committed twice.
  const again = await runIn(new MockActivityEnvironment({ attempt: 2 }), acts['rlaif.judge'], judgeInput);
  expect(again).toEqual(out);
  expect((await store.commitLog()).filter((c) => c.key === key)).toHaveLength(1);
});

test('a judge that finds its generation batch corrupt has it recomputed and goes on', async () => {
  const gen = await runIn(new MockActivityEnvironment(), acts['rlaif.generate'], input(5));
  const ref = gen.artifacts.responses![0]!;
  const key = keyOfRef(ref);
  const judgeInput = input(5, { stageId: 'judge', board: { ...input(5).board, responses: [ref] } });
  // The rows the judge should see, then a byte flipped on disk after the commit (the worker
  // committed them itself, so they sit in its read cache: the flip must still be noticed).
  const expected = await store.readJsonl<ResponseRow>(ref);
  const file = store.pathOf(key);
  const bytes = fs.readFileSync(file);
  bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] as number) ^ 0x01;
  fs.writeFileSync(file, bytes);
  const out = await runIn(new MockActivityEnvironment(), acts['rlaif.judge'], judgeInput);
  const rows = await store.readJsonl<PreferenceRow>(out.artifacts.preferences![0]!);
  expect(rows.map((r) => r.id)).toEqual(pairResponses(expected).map((p) => p.id));
  expect((await store.quarantineLog()).map((q) => q.key)).toContain(key);
  // Recomputed by generation under the same key, with the same bytes.
  const commits = (await store.commitLog()).filter((c) => c.key === key);
  expect(commits).toHaveLength(2);
  expect(commits[1]?.sha256).toBe(ref.sha256);
  expect(await store.readJsonl<ResponseRow>(ref)).toEqual(expected);
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
