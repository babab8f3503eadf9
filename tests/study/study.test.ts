/**
 * The study is reproducible from its seed: a tiny sweep run twice writes byte-identical tables
 * and charts, and its rows are the loop's own figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DEMO_DEFAULTS, runInProcess, type InProcessOptions } from '../../src/loop/in-process';
import { parseStudyArgs } from '../../src/study/main';
import { runStudy, type StudyOptions } from '../../src/study/sweep';
import { writeStudy } from '../../src/study/write';

const TINY: InProcessOptions = {
  ...DEMO_DEFAULTS,
  rounds: 2,
  data: { trainPrompts: 48, evalPrompts: 40, sftExamples: 300 },
  sft: { ...DEMO_DEFAULTS.sft, epochs: 2 },
  reward: { ...DEMO_DEFAULTS.reward, epochs: 20 },
  optimize: { ...DEMO_DEFAULTS.optimize, steps: 3, promptsPerStep: 8 },
  dpo: { ...DEMO_DEFAULTS.dpo, epochs: 1 },
};
const OPTIONS: StudyOptions = {
  base: TINY,
  betas: [0, 0.2],
  rounds: 2,
  presets: ['classic', 'direct', 'dpo'],
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-study-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a tiny sweep run twice gives the same files; its rows are the loop’s figures', async () => {
  const first = await runStudy(OPTIONS);
  const second = await runStudy(OPTIONS);
  const meta = { seed: TINY.seed, command: 'test' };
  const files = await writeStudy(first, path.join(dir, 'a'), meta);
  await writeStudy(second, path.join(dir, 'b'), meta);
  expect(files.sort()).toEqual(
    [
      'presets.csv',
      'study.md',
      'sweep.csv',
      ...['win-rate-gold', 'win-rate-judge', 'quality-gold', 'quality-judge'].flatMap((c) => [
        `${c}-vs-kl.png`,
        `${c}-vs-kl.svg`,
      ]),
    ].sort(),
  );
  for (const f of files) {
    expect(fs.readFileSync(path.join(dir, 'b', f))).toEqual(fs.readFileSync(path.join(dir, 'a', f)));
  }

  // Two β × two rounds in the sweep; the presets table has one row per preset, the classic one
  // taken from the sweep run at the default β.
  expect(first.sweep.map((r) => [r.beta, r.round])).toEqual([
    [0, 1],
    [0, 2],
    [0.2, 1],
    [0.2, 2],
  ]);
  expect(first.presets.map((r) => [r.preset, r.beta, r.round])).toEqual([
    ['classic', 0.2, 2],
    ['direct', TINY.direct.beta, 2],
    ['dpo', TINY.dpo.beta, 2],
  ]);
  expect(first.presets[0]).toBe(first.sweep[3]);

  // The rows hold what the loop measured, not something recomputed differently.
  const direct = await runInProcess({ ...TINY, preset: 'direct' });
  const last = direct.rounds[1]!;
  expect(first.presets[1]).toMatchObject({
    kl: last.evaluation.kl,
    judgeWinRate: last.evaluation.winRate,
    goldWinRate: last.evaluation.gold!.value,
    judgeGoldAgreement: last.gold.judgeAgreement.value,
  });
  const csv = fs
    .readFileSync(path.join(dir, 'a', 'sweep.csv'), 'utf8')
    .trim()
    .split('\r\n');
  expect(csv).toHaveLength(5);
  expect(csv[0]!.split(',').slice(0, 5)).toEqual(['preset', 'beta', 'round', 'kl', 'judgeWinRate']);
  const md = fs.readFileSync(path.join(dir, 'a', 'study.md'), 'utf8');
  expect(md).toMatch(/\n\| d-RLAIF \(judge score as reward\) +\| 0\.01 +\| 2 +\|/);
  // Written as the project's formatter would write it, so a committed study passes format:check.
  const prettierCli = require.resolve('prettier/bin/prettier.cjs');
  const repo = path.resolve(__dirname, '..', '..', '..');
  const formatted = execFileSync(
    process.execPath,
    [prettierCli, '--stdin-filepath', path.join(repo, 'docs', 'study', 'study.md')],
    {
      input: md,
      cwd: repo,
      encoding: 'utf8',
    },
  );
  expect(formatted).toBe(md);
  expect(md).toContain('verbosity:');
  // One line per β, each point a round of that run at its KL.
  const svg = fs.readFileSync(path.join(dir, 'a', 'win-rate-gold-vs-kl.svg'), 'utf8');
  const row = first.sweep[1]!;
  expect(svg).toContain(`data-series="β = 0" data-x="${row.kl}" data-y="${row.goldWinRate}"`);
  expect(md).toContain(
    '![Win rate against the initial policy by gold (people), against KL](win-rate-gold-vs-kl.svg)',
  );
}, 600_000);

test('the command line: defaults, and bad values named', () => {
  const d = parseStudyArgs([]);
  expect(d.out).toBe('.rlaif/study');
  expect(d.options.betas).toEqual([0, 0.05, 0.2, 0.5]);
  expect(d.options.base.seed).toBe(DEMO_DEFAULTS.seed);
  const o = parseStudyArgs(['--betas', '0.1,1', '--rounds', '2', '--seed', '3', '--out', 'x']);
  expect(o).toMatchObject({ out: 'x', options: { betas: [0.1, 1], rounds: 2, base: { seed: 3 } } });
  expect(() => parseStudyArgs(['--betas', '0.1,,2'])).toThrow('--betas: expected comma-separated numbers');
  expect(() => parseStudyArgs(['--rounds', '0'])).toThrow('--rounds: expected an integer from 1 to 20');
  expect(() => parseStudyArgs(['--bets', '1'])).toThrow('unknown option --bets');
  expect(() => parseStudyArgs(['--out'])).toThrow('--out needs a value');
});
