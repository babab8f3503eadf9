/**
 * Figures measured against the demo world's gold standard (src/demo/gold.ts) rather than the AI
 * judge the policy was trained on: the gold win rate, the judge's agreement with gold on the
 * labels it gave for training (Lee et al.'s "AI labeler alignment"), and the reward model's
 * agreement with gold on the pairs it held out.
 */
import { agreesWithGold, goldPreference, verdictsAgree } from '../demo/gold';
import { OnnxRewardModel } from '../reward/reward-model';
import { splitHeldOut } from '../stages/train-reward';
import { pairResponses } from '../judges/judge-pairs';
import type { PreferenceRow, ResponseRow, ScoreRow } from '../stages/types';
import { wilsonInterval } from './stats';

/** A share with its 95% Wilson interval and the number of items it is over. */
export interface Share {
  value: number;
  ci: [number, number];
  n: number;
}

function share(successes: number, n: number, what: string): Share {
  if (n === 0) throw new Error(`${what}: no pairs to measure`);
  return { value: successes / n, ci: wilsonInterval(successes, n), n };
}

/**
 * The gold win rate of the policy's samples against the initial policy's, one pair per held-out
 * prompt: gold prefers the policy's sample (1), the initial one's (0), or neither (½).
 */
export function goldWinRate(
  pairs: ReadonlyArray<{ prompt: string; policy: string; initial: string }>,
): Share {
  let wins = 0;
  for (const p of pairs) wins += goldPreference(p.prompt, p.policy, p.initial);
  return share(wins, pairs.length, 'goldWinRate');
}

/**
 * How often the judge's debiased label picks the response gold picks, over judged pairs; a tie
 * on either side counts half.
 */
export function judgeGoldAgreement(rows: readonly PreferenceRow[]): Share {
  let agree = 0;
  for (const r of rows) agree += agreesWithGold(r.p, goldPreference(r.prompt, r.a, r.b));
  return share(agree, rows.length, 'judgeGoldAgreement');
}

/**
 * The judge's agreement with gold when it scores responses one by one (d-RLAIF): the scored
 * samples paired as the pairwise judge stage pairs them (0–1, 2–3, … of each prompt), the higher
 * score being the judge's pick. The expected score rises with the judge's quality, so these are the
 * picks its pairwise labels would make.
 */
export function judgeGoldAgreementFromScores(rows: readonly ScoreRow[]): Share {
  const score = new Map(rows.map((r) => [r.id, r.score]));
  const responses: ResponseRow[] = rows.map((r) => ({
    id: r.id,
    promptId: r.promptId,
    prompt: r.prompt,
    // Response ids are `${promptId}#${sample}`.
    sample: Number(r.id.slice(r.id.lastIndexOf('#') + 1)),
    response: r.response,
    logprob: 0,
  }));
  let agree = 0;
  const pairs = pairResponses(responses);
  for (const p of pairs) {
    const d = (score.get(p.aId) as number) - (score.get(p.bId) as number);
    agree += agreesWithGold(d === 0 ? 0.5 : d > 0 ? 1 : 0, goldPreference(p.prompt, p.a, p.b));
  }
  return share(agree, pairs.length, 'judgeGoldAgreement');
}

/**
 * How often a reward model prefers the response a reference verdict prefers (1: a, 0: b, ½: a
 * tie), over the given pairs: sign(r_a − r_b) against the verdict, by verdictsAgree (a reward tie
 * is a tie).
 */
export async function rewardModelAgreement(
  rewardOnnx: Uint8Array,
  pairs: ReadonlyArray<{ prompt: string; a: string; b: string; verdict: 0 | 0.5 | 1 }>,
  what: string,
): Promise<Share> {
  const rm = await OnnxRewardModel.create(rewardOnnx, 'reward model');
  try {
    const rA = await rm.score(pairs.map((p) => ({ prompt: p.prompt, response: p.a })));
    const rB = await rm.score(pairs.map((p) => ({ prompt: p.prompt, response: p.b })));
    let agree = 0;
    pairs.forEach((p, i) => {
      const d = (rA[i] as number) - (rB[i] as number);
      agree += verdictsAgree(d === 0 ? 0.5 : d > 0 ? 1 : 0, p.verdict);
    });
    return share(agree, pairs.length, what);
  } finally {
    await rm.release();
  }
}

/**
 * The reward model's agreement with gold on the pairs its training held out (the same split and
 * pairs as its agreement with the judge).
 */
export async function rewardModelGoldAgreement(
  rewardOnnx: Uint8Array,
  pool: readonly PreferenceRow[],
  split: { seed: number; heldOutFraction: number },
): Promise<Share> {
  const { held } = splitHeldOut(pool, split.seed, split.heldOutFraction);
  return rewardModelAgreement(
    rewardOnnx,
    held.map((p) => ({ prompt: p.prompt, a: p.a, b: p.b, verdict: goldPreference(p.prompt, p.a, p.b) })),
    'rewardModelGoldAgreement',
  );
}
