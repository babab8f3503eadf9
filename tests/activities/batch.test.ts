/**
 * Resumable batches under Temporal's mock activity environment: two live attempts racing to
 * commit one batch, and resuming from a partial file with an edited or torn row.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { runResumableBatch } from '../../activities/batch';
import { parseRunConfig } from '../../src/config/parse';
import type { PreparedRun, StageInput } from '../../src/contracts';
import type { ResponseRow } from '../../src/stages/types';
import { keyOfRef, type ArtifactRef } from '../../src/store/artifact';
import { LocalArtifactStore } from '../../src/store/local-store';

let root: string;
let store: LocalArtifactStore;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-batch-'));
  store = new LocalArtifactStore(root);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function runIn<R>(env: MockActivityEnvironment, fn: () => Promise<R>): Promise<R> {
  return env.run(fn as never) as Promise<R>;
}

interface Row {
  i: number;
  sample: string;
}

/** A batch of 12 rows in groups of 2, whose samples are `sample(i)`; records where it resumed. */
function batch(key: string, sample: (i: number) => string, skips: number[], gate?: Promise<void>) {
  return runResumableBatch<Row>({
    store,
    key,
    total: 12,
    unit: 2,
    compute: async (skip, emit) => {
      skips.push(skip);
      await gate;
      for (let i = skip; i < 12; i += 2) {
        await emit([
          { i, sample: sample(i) },
          { i: i + 1, sample: sample(i + 1) },
        ]);
      }
    },
  });
}

test('two live attempts of one batch: the first commit wins and both return its reference and rows', async () => {
  const key = 'runs/r/round-0001/generate/batch-0000-of-0001.jsonl';
  // Neither commits before both have computed: the race a heartbeat timeout starts.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const skips: number[] = [];
  const attempts = [1, 2].map((attempt) =>
    runIn(new MockActivityEnvironment({ attempt }), () =>
      batch(key, (i) => `attempt ${attempt} sample ${i}`, skips, gate),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(skips).toEqual([0, 0]);
  open();
  const [first, second] = await Promise.all(attempts);
  expect(second).toEqual(first);
  expect(await store.readJsonl<Row>(first!.ref)).toEqual(first!.rows);
  expect(new Set(first!.rows.map((r) => r.sample.slice(0, 9))).size).toBe(1);
  expect((await store.commitLog()).filter((c) => c.key === key)).toHaveLength(1);
  expect(fs.existsSync(`${store.pathOf(key)}.partial.jsonl`)).toBe(false);
});

describe('resuming from a partial file', () => {
  const clean = (i: number) => `sample ${i}`;
  let expected: ArtifactRef;
  beforeAll(async () => {
    expected = (
      await runIn(new MockActivityEnvironment(), () =>
        batch('runs/r/round-0002/probe/batch.jsonl', clean, []),
      )
    ).ref;
  });

  /** A dead attempt's partial file of the first `n` clean rows, changed by `damage`. */
  async function deadAttempt(key: string, n: number, damage: (text: string) => string): Promise<void> {
    await store.appendPartial(
      key,
      Array.from({ length: n }, (_, i) => ({ i, sample: clean(i) })),
      0,
    );
    const file = `${store.pathOf(key)}.partial.jsonl`;
    fs.writeFileSync(file, damage(fs.readFileSync(file, 'utf8')));
  }

  test('an edited row (still valid JSON) is recomputed: the committed batch is a clean run’s', async () => {
    const key = 'runs/r/round-0002/generate/batch-0000-of-0002.jsonl';
    await deadAttempt(key, 8, (text) => text.replace('"sample 5"', '"sample 5, edited"'));
    const skips: number[] = [];
    // The dead attempt's last heartbeat said 8 rows: it cannot vouch for rows the file fails.
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { rows: 8, total: 12 } });
    const out = await runIn(env, () => batch(key, clean, skips));
    // Rows 0–3 are the whole groups before the edited row 5; its group and all after are recomputed.
    expect(skips).toEqual([4]);
    expect(out.ref.sha256).toBe(expected.sha256);
    expect(out.rows.map((r) => r.sample)).not.toContain('sample 5, edited');
  });

  test('a torn last line is dropped and its group recomputed', async () => {
    const key = 'runs/r/round-0002/generate/batch-0001-of-0002.jsonl';
    await deadAttempt(key, 7, (text) => text.slice(0, -10));
    const skips: number[] = [];
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { rows: 2, total: 12 } });
    const out = await runIn(env, () => batch(key, clean, skips));
    expect(skips).toEqual([6]);
    expect(out.ref.sha256).toBe(expected.sha256);
  });
});

test('generation resumed from a partial file with an edited row commits what a clean run commits', async () => {
  const config = parseRunConfig({
    seed: 5,
    data: { kind: 'demo', trainPrompts: 16, evalPrompts: 16, sftExamples: 200 },
    generate: { batchSize: 16 },
  });
  const acts = createActivities({ store });
  const prepared = await runIn<PreparedRun>(new MockActivityEnvironment(), () =>
    acts['rlaif.prepare']({ runKey: 'g', config }),
  );
  const input = (stageId: string): StageInput => ({
    runKey: 'g',
    round: 1,
    stageId,
    config,
    board: { ...prepared, policy: prepared.initialPolicy },
    batch: { index: 0, count: 1 },
  });
  const probe = await runIn(new MockActivityEnvironment(), () => acts['rlaif.generate'](input('probe')));
  const clean = await store.readJsonl<ResponseRow>(probe.artifacts.responses![0]!);

  const key = 'runs/g/round-0001/generate/batch-0000-of-0001.jsonl';
  await store.appendPartial(key, clean.slice(0, 12), 0);
  const file = `${store.pathOf(key)}.partial.jsonl`;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  // Still valid JSON: only a checksum can tell.
  lines[6] = lines[6]!.replace(JSON.stringify(clean[6]!.response), JSON.stringify('an edited response'));
  expect(lines[6]).toContain('an edited response');
  fs.writeFileSync(file, lines.join('\n'));

  const env = new MockActivityEnvironment({
    attempt: 2,
    heartbeatDetails: { rows: 12, total: clean.length },
  });
  const out = await runIn(env, () => acts['rlaif.generate'](input('generate')));
  const ref = out.artifacts.responses![0]!;
  expect(keyOfRef(ref)).toBe(key);
  expect(ref.sha256).toBe(probe.artifacts.responses![0]!.sha256);
  expect(out.metrics).toEqual(probe.metrics);
}, 60_000);
