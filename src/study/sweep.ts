/**
 * The over-optimization study: the in-process loop (src/loop/in-process.ts) run for several KL
 * coefficients β and several rounds, each round measured by the training judge (the proxy) and
 * by the demo world's gold standard, and the presets (classic RLAIF, d-RLAIF, DPO) side by side.
 * Gao et al. (2022) show the gold reward rising and then falling as KL grows while the proxy keeps
 * rising; this measures where the demo world stands on that curve. Every figure is a function of
 * the seed: the loop is deterministic, and wall-clock times are kept out of the tables.
 */
import {
  DEMO_DEFAULTS,
  runInProcess,
  type InProcessOptions,
  type Preset,
  type RoundReport,
} from '../loop/in-process';

/** What to sweep. */
export interface StudyOptions {
  /** The loop's settings; β and rounds are set by the sweep. */
  base: InProcessOptions;
  /** KL coefficients of the classic preset (per unit of reward-model logit). */
  betas: readonly number[];
  /** Rounds of each sweep run: each round is a point further along the KL axis. */
  rounds: number;
  /** Presets compared at their default β after `base.rounds` rounds. */
  presets: readonly Preset[];
}

/** The sweep of the issue: β from none to strong, four rounds, the three presets. */
export const STUDY_DEFAULTS: StudyOptions = {
  base: DEMO_DEFAULTS,
  betas: [0, 0.05, 0.2, 0.5],
  rounds: 4,
  presets: ['classic', 'direct', 'dpo'],
};

/** One round of one run, by both measures. */
export interface StudyRow {
  preset: Preset;
  /** The KL coefficient the run optimized with (β of its preset). */
  beta: number;
  round: number;
  /** Mean log π(y|x) − log π0(y|x) of the policy's held-out samples, nats per response. */
  kl: number;
  judgeWinRate: number;
  judgeWinLow: number;
  judgeWinHigh: number;
  goldWinRate: number;
  goldWinLow: number;
  goldWinHigh: number;
  /** Mean quality of the policy's samples by gold and by the judge (same units). */
  goldQuality: number;
  judgeQuality: number;
  /** The judge's agreement with gold on this round's training labels. */
  judgeGoldAgreement: number;
  /** The reward model's agreement with the judge and with gold on its held-out pairs (classic only). */
  rewardModelAgreement?: number;
  rewardModelGoldAgreement?: number;
}

export interface StudyResult {
  /** Every round of every classic run of the β sweep. */
  sweep: StudyRow[];
  /** The last round (`base.rounds`) of each preset at its default β. */
  presets: StudyRow[];
}

/** The β a preset optimizes with under `base`. */
export function betaOf(preset: Preset, base: InProcessOptions): number {
  return preset === 'dpo' ? base.dpo.beta : preset === 'direct' ? base.direct.beta : base.optimize.beta;
}

function rowOf(preset: Preset, beta: number, r: RoundReport): StudyRow {
  const e = r.evaluation;
  const gold = e.gold;
  if (!gold || gold.meanJudgeQuality === undefined)
    throw new Error('study: the evaluation has no gold figures (the loop must run the demo world)');
  return {
    preset,
    beta,
    round: r.round,
    kl: e.kl,
    judgeWinRate: e.winRate,
    judgeWinLow: e.winRateCI[0],
    judgeWinHigh: e.winRateCI[1],
    goldWinRate: gold.value,
    goldWinLow: gold.ci[0],
    goldWinHigh: gold.ci[1],
    goldQuality: gold.meanQuality,
    judgeQuality: gold.meanJudgeQuality,
    judgeGoldAgreement: r.gold.judgeAgreement.value,
    ...(r.reward ? { rewardModelAgreement: r.reward.heldOutAgreement } : {}),
    ...(r.gold.rewardModelAgreement ? { rewardModelGoldAgreement: r.gold.rewardModelAgreement.value } : {}),
  };
}

/**
 * Runs the sweep, then the presets. A classic run of the sweep at the preset's β and with at
 * least `base.rounds` rounds is the classic preset's row too (the loop's rounds do not depend on
 * how many follow), so it is not run twice. `onRun` hears of each run as it ends.
 */
export async function runStudy(
  opts: StudyOptions,
  onRun?: (label: string, rows: StudyRow[]) => void,
  signal?: AbortSignal,
): Promise<StudyResult> {
  if (opts.betas.length === 0) throw new Error('study: no β to sweep');
  if (!(opts.rounds >= 1)) throw new Error(`study: rounds must be at least 1, got ${opts.rounds}`);
  const sweep: StudyRow[] = [];
  for (const beta of opts.betas) {
    const run = await runInProcess(
      { ...opts.base, preset: 'classic', rounds: opts.rounds, optimize: { ...opts.base.optimize, beta } },
      undefined,
      signal,
    );
    const rows = run.rounds.map((r) => rowOf('classic', beta, r));
    sweep.push(...rows);
    onRun?.(`classic β=${beta}`, rows);
  }
  const presets: StudyRow[] = [];
  for (const preset of opts.presets) {
    const beta = betaOf(preset, opts.base);
    const reused =
      preset === 'classic' && opts.rounds >= opts.base.rounds
        ? sweep.find((r) => r.beta === beta && r.round === opts.base.rounds)
        : undefined;
    if (reused) {
      presets.push(reused);
      continue;
    }
    const run = await runInProcess({ ...opts.base, preset }, undefined, signal);
    const last = run.rounds[run.rounds.length - 1] as RoundReport;
    const row = rowOf(preset, beta, last);
    presets.push(row);
    onRun?.(preset, [row]);
  }
  return { sweep, presets };
}
