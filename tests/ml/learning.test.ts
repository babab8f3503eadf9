/**
 * The measured targets: the whole loop in one process with DEMO_DEFAULTS (3 rounds, 512 held-out
 * prompts). The figures are printed so a run of this test is the measurement.
 */
import { DEMO_DEFAULTS, runInProcess, type InProcessResult, type Preset } from '../../src/loop/in-process';

function describeRun(r: InProcessResult): string {
  const lines = r.rounds.map((x) => {
    const e = x.evaluation;
    const rm = x.reward
      ? ` agreement ${x.reward.heldOutAgreement.toFixed(3)} (n=${x.reward.heldOutPairs})`
      : '';
    return `  round ${x.round}: win ${e.winRate.toFixed(3)} [${e.winRateCI.map((v) => v.toFixed(3)).join(', ')}] n=${e.n} judge ${e.meanJudgeScore.toFixed(2)} kl ${e.kl.toFixed(2)} flip ${x.judgeFlipRate.toFixed(2)}${rm}`;
  });
  return [
    `preset ${r.preset}: ${r.seconds.total.toFixed(2)} s (prepare ${r.seconds.prepare.toFixed(2)} s), SFT loss ${r.sftLoss.toFixed(3)}`,
    ...lines,
  ].join('\n');
}

async function run(preset: Preset): Promise<InProcessResult> {
  const result = await runInProcess({ ...DEMO_DEFAULTS, preset });
  console.log(describeRun(result));
  return result;
}

describe('RLAIF in one process with DEMO_DEFAULTS', () => {
  it('classic: the reward model agrees with the judge and the policy beats the initial one', async () => {
    const r = await run('classic');
    expect(DEMO_DEFAULTS.rounds).toBe(3);
    expect(r.rounds).toHaveLength(3);
    const last = r.rounds[2]!;
    expect(last.evaluation.n).toBeGreaterThanOrEqual(256);
    expect(last.evaluation.winRate).toBeGreaterThanOrEqual(0.7);
    expect(last.evaluation.winRateCI[0]).toBeGreaterThan(0.65);
    expect(last.reward!.heldOutAgreement).toBeGreaterThanOrEqual(0.78);
    for (const round of r.rounds) expect(round.reward!.heldOutAgreement).toBeGreaterThanOrEqual(0.75);
    // The raw judge is position-biased, which the both-order labels correct for.
    expect(last.judgeFlipRate).toBeGreaterThan(0.1);
  });

  it('dpo: improves on the initial policy', async () => {
    const r = await run('dpo');
    expect(r.rounds[2]!.evaluation.winRate).toBeGreaterThan(0.6);
  });

  it('direct (d-RLAIF): improves on the initial policy', async () => {
    const r = await run('direct');
    expect(r.rounds[2]!.evaluation.winRate).toBeGreaterThan(0.6);
  });
});
