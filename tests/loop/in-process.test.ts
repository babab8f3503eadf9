/**
 * The in-process loop: its options map onto a run config field by field, and an AbortSignal
 * stops it (activities outside a worker take cancellation from it), leaving no temporary store.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseRunConfig } from '../../src/config/parse';
import { DEMO_DEFAULTS, runConfigOf, runInProcess, type InProcessOptions } from '../../src/loop/in-process';

test('every option lands in its run config field', () => {
  const opts: InProcessOptions = {
    preset: 'dpo',
    seed: 11,
    rounds: 2,
    data: { trainPrompts: 64, evalPrompts: 48, sftExamples: 500 },
    sft: { epochs: 3, lr: 0.04, maxTokens: 12 },
    generate: { samplesPerPrompt: 3, temperature: 0.9 },
    judge: { positionBias: -0.5, sharpness: 2 },
    reward: { heldOutFraction: 0.25, epochs: 50, lr: 0.02, l2: 0.001 },
    optimize: { steps: 7, promptsPerStep: 16, samplesPerPrompt: 3, beta: 0.3, lr: 0.01, temperature: 0.8 },
    direct: { beta: 0.02, lr: 0.05 },
    dpo: { epochs: 2, beta: 0.4, lr: 0.03 },
    evaluate: { temperature: 0.7 },
  };
  const c = runConfigOf(opts);
  expect({ preset: c.preset, seed: c.seed, rounds: c.rounds }).toEqual({
    preset: 'dpo',
    seed: 11,
    rounds: 2,
  });
  expect(c.data).toEqual({ kind: 'demo', ...opts.data });
  expect(c.policy.sft).toEqual({ epochs: 3, lr: 0.04 });
  expect(c.generate).toMatchObject({ ...opts.generate, maxTokens: 12 });
  expect(c.judge).toMatchObject({ kind: 'local', ...opts.judge });
  expect(c.rewardModel).toMatchObject({ kind: 'lexical', ...opts.reward });
  expect(c.policy.optimizer).toEqual(opts.optimize);
  expect(c.policy.direct).toEqual(opts.direct);
  expect(c.policy.dpo).toEqual(opts.dpo);
  expect(c.evaluate.temperature).toBe(0.7);
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
