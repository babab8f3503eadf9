/**
 * The in-process loop: its options map onto a run config field by field, and an AbortSignal
 * stops it (activities outside a worker take cancellation from it), leaving no temporary store.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseRunConfig } from '../../src/config/parse';
import { DEMO_DEFAULTS, runConfigOf, runInProcess, type InProcessOptions } from '../../src/loop/in-process';

/** Every number of `value` moved off its default: integers up by one, others down by a tenth. */
function bumped<T>(value: T): T {
  if (typeof value === 'number') return (Number.isInteger(value) ? value + 1 : value * 0.9) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bumped(v)])) as T;
  return value;
}

test('every option lands in its run config field', () => {
  const opts: InProcessOptions = { ...bumped(DEMO_DEFAULTS), preset: 'dpo' };
  const c = runConfigOf(opts);
  expect({ preset: c.preset, seed: c.seed, rounds: c.rounds }).toEqual({
    preset: 'dpo',
    seed: 8,
    rounds: 4,
  });
  expect(c.data).toEqual({ kind: 'demo', ...opts.data });
  expect(c.policy.sft).toEqual({ epochs: opts.sft.epochs, lr: opts.sft.lr });
  expect(c.generate).toMatchObject({ ...opts.generate, maxTokens: 11 });
  expect(c.judge).toMatchObject({ kind: 'local', ...opts.judge });
  expect(c.rewardModel).toMatchObject({ kind: 'lexical', ...opts.reward });
  expect(c.policy.optimizer).toEqual(opts.optimize);
  expect(c.policy.direct).toEqual(opts.direct);
  expect(c.policy.dpo).toEqual(opts.dpo);
  expect(c.evaluate.temperature).toBe(2);
});

test("the demo defaults are the schema's defaults: DEMO_DEFAULTS is the demo config with nothing set", () => {
  const minimal = parseRunConfig({
    name: 'in-process',
    seed: DEMO_DEFAULTS.seed,
    rounds: DEMO_DEFAULTS.rounds,
    preset: DEMO_DEFAULTS.preset,
    data: { kind: 'demo', ...DEMO_DEFAULTS.data },
  });
  expect(runConfigOf(DEMO_DEFAULTS)).toEqual(minimal);
});

test('an aborted run stops with the abort and removes its temporary store', async () => {
  const folders = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('rlaif-in-process-'));
  const before = new Set(folders());
  const controller = new AbortController();
  const opts: InProcessOptions = {
    ...DEMO_DEFAULTS,
    rounds: 3,
    data: { trainPrompts: 32, evalPrompts: 16, sftExamples: 200 },
    optimize: { ...DEMO_DEFAULTS.optimize, steps: 2 },
  };
  const seen: number[] = [];
  const run = runInProcess(
    opts,
    (r) => {
      seen.push(r.round);
      controller.abort(new Error('stop here'));
    },
    controller.signal,
  );
  await expect(run).rejects.toThrow('stop here');
  expect(seen).toEqual([1]);
  expect(folders().filter((f) => !before.has(f))).toEqual([]);
});
