/**
 * The gold standard and the judge's flaws relative to it: each flaw in JUDGE_FLAWS is a pair on
 * which the two disagree, and on plain quality they agree.
 */
import {
  agreesWithGold,
  goldFittingWords,
  goldPreference,
  goldQuality,
  JUDGE_FLAWS,
} from '../../src/demo/gold';
import { goldWinRate, judgeGoldAgreement } from '../../src/eval/gold-figures';
import { judgeBothOrders } from '../../src/judges/debias';
import { createLocalJudge } from '../../src/judges/create';
import type { PreferenceRow } from '../../src/stages/types';

const judge = createLocalJudge({ positionBias: -1, sharpness: 1.5 });
const judgeP = (prompt: string, a: string, b: string) => judgeBothOrders(judge, prompt, a, b).p;

describe('the gold standard', () => {
  it('agrees with the judge on plain quality: topic words beat filler and other topics', () => {
    const prompt = 'describe the ocean';
    const good = 'wave coral tide';
    for (const bad of ['the stuff nice', 'pine moss fern', 'wave wave wave']) {
      expect(goldPreference(prompt, good, bad)).toBe(1);
      expect(judgeP(prompt, good, bad)).toBeGreaterThan(0.5);
    }
  });

  it('verbosity: people prefer four topic words to eight, the judge prefers eight', () => {
    const prompt = 'tell me about the forest';
    const short = 'pine moss fern oak';
    const long = 'pine moss fern oak trail owl the a';
    expect(goldQuality(prompt, short)).toBeCloseTo(3.4, 10);
    expect(goldPreference(prompt, short, long)).toBe(1);
    expect(judgeP(prompt, short, long)).toBeLessThan(0.5);
  });

  it('imperfect knowledge: a word fitting the qualifier or a neighbouring topic counts for people only', () => {
    expect(goldFittingWords('describe the ocean at night').has('moon')).toBe(true);
    expect(goldFittingWords('describe the ocean').has('moon')).toBe(false);
    expect(goldFittingWords('describe the kitchen').has('salt')).toBe(true);
    expect(goldPreference('describe the ocean at night', 'wave moon tide', 'wave the tide')).toBe(1);
    expect(judgeP('describe the ocean at night', 'wave moon tide', 'wave the tide')).toBeLessThan(0.5);
    expect(goldPreference('describe the kitchen', 'bread salt soup', 'bread the soup')).toBe(1);
    expect(judgeP('describe the kitchen', 'bread salt soup', 'bread the soup')).toBeLessThan(0.5);
  });

  it('has no position bias: its verdict is antisymmetric, and equal answers tie', () => {
    const prompt = 'describe the city today';
    expect(goldPreference(prompt, 'street neon', 'tower')).toBe(
      1 - goldPreference(prompt, 'tower', 'street neon'),
    );
    expect(goldPreference(prompt, 'street tower bridge', 'bridge tower street')).toBe(0.5);
  });

  it('lists the judge flaws it differs by', () => {
    expect(JUDGE_FLAWS.map((f) => f.split(':')[0])).toEqual([
      'verbosity',
      'imperfect knowledge',
      'position bias',
    ]);
  });
});

describe('gold figures', () => {
  it('counts agreement: a one-sided tie as half, a tie on both sides as agreement', () => {
    expect(agreesWithGold(0.9, 1)).toBe(1);
    expect(agreesWithGold(0.9, 0)).toBe(0);
    expect(agreesWithGold(0.5, 1)).toBe(0.5);
    expect(agreesWithGold(0.2, 0.5)).toBe(0.5);
    expect(agreesWithGold(0.5, 0.5)).toBe(1);
  });

  it('gold win rate: a policy against itself scores 0.5; against worse answers, 1', () => {
    const prompt = 'describe the space';
    const same = goldWinRate([{ prompt, policy: 'star moon', initial: 'star moon' }]);
    expect(same.value).toBe(0.5);
    const better = goldWinRate(
      Array.from({ length: 40 }, () => ({ prompt, policy: 'star comet orbit', initial: 'the stuff' })),
    );
    expect(better.value).toBe(1);
    expect(better.n).toBe(40);
    expect(better.ci[0]).toBeGreaterThan(0.9);
    expect(better.ci[1]).toBe(1);
  });

  it("judge–gold agreement over a round's labels", () => {
    const row = (prompt: string, a: string, b: string): PreferenceRow => {
      const j = judgeBothOrders(judge, prompt, a, b);
      return { id: `${a}|${b}`, promptId: 'p', prompt, aId: a, bId: b, a, b, ...j };
    };
    const rows = [
      row('describe the ocean', 'wave coral tide', 'the stuff nice'), // agree
      row('tell me about the forest', 'pine moss fern oak', 'pine moss fern oak trail owl the a'), // verbosity
      row('describe the kitchen', 'bread salt soup', 'bread the soup'), // knowledge
      row('describe the city', 'street tower bridge', 'bridge tower street'), // a tie for both: agreement
    ];
    const a = judgeGoldAgreement(rows);
    expect(a.n).toBe(4);
    expect(a.value).toBeCloseTo((1 + 0 + 0 + 1) / 4, 12);
  });
});
