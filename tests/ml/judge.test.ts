/** The local judge: what it prefers, its position bias, and that both-order averaging removes it. */
import { demoPrompts, demoSftCorpus } from '../../src/demo/world';
import { createLocalJudge } from '../../src/judges/create';
import { judgeBothOrders } from '../../src/judges/debias';
import { LocalPairwiseJudge } from '../../src/judges/local-judge';

describe('LocalPairwiseJudge', () => {
  const judge = createLocalJudge({ positionBias: 0 });

  it('prefers distinct on-topic words over repeats, filler, other topics and bad lengths', () => {
    const prompt = 'tell me about the ocean';
    const good = 'wave tide coral reef';
    for (const worse of [
      'wave wave wave wave',
      'wave tide the and',
      'wave tide star moon',
      'wave',
      'wave tide coral reef salt shell wave tide coral',
    ]) {
      expect(judge.quality(prompt, good)).toBeGreaterThan(judge.quality(prompt, worse));
      expect(judge.compare(prompt, good, worse)).toBeGreaterThan(0.5);
    }
    // The same words are bad for another topic.
    expect(judge.quality('describe the forest', good)).toBeLessThan(0);
  });

  it('scores on 1..10, increasing with quality', () => {
    const prompt = 'describe the space';
    const ladder = [
      'snow ice frost',
      'star the and',
      'star orbit the',
      'star orbit comet',
      'star orbit comet moon planet',
    ];
    const scores = ladder.map((r) => judge.score(prompt, r));
    for (const s of scores) {
      expect(s).toBeGreaterThanOrEqual(1);
      expect(s).toBeLessThanOrEqual(10);
    }
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThan(scores[i - 1] as number);
  });

  it('validates its options', () => {
    expect(() => new LocalPairwiseJudge({ positionBias: 0, sharpness: 0 })).toThrow(/sharpness/);
    expect(() => createLocalJudge({ positionBias: Number.NaN })).toThrow(/positionBias/);
  });
});

describe('position bias', () => {
  const prompts = demoPrompts(1, 300, 'train');
  const responses = demoSftCorpus(2, 600).map((r) => r.response);
  const pairs = prompts.map((p, i) => ({
    prompt: p.prompt,
    a: responses[2 * i] as string,
    b: responses[2 * i + 1] as string,
  }));

  it('with positionBias −2 the raw judge prefers the second answer on most pairs and flips often', () => {
    const biased = createLocalJudge({ positionBias: -2 });
    const secondWins = pairs.filter((x) => biased.compare(x.prompt, x.a, x.b) < 0.5).length / pairs.length;
    const flips =
      pairs.filter((x) => judgeBothOrders(biased, x.prompt, x.a, x.b).flipped).length / pairs.length;
    console.log(
      `positionBias −2 on ${pairs.length} SFT-corpus pairs: second preferred ${secondWins.toFixed(2)}, flip rate ${flips.toFixed(2)}`,
    );
    expect(secondWins).toBeGreaterThan(0.65);
    expect(flips).toBeGreaterThan(0.35);
    // An unbiased judge flips only on exact ties.
    const fair = createLocalJudge({ positionBias: 0 });
    expect(
      pairs.filter((x) => judgeBothOrders(fair, x.prompt, x.a, x.b).flipped).length / pairs.length,
    ).toBeLessThan(0.1);
  });

  it('judgeBothOrders is order-independent and its argmax follows the quality', () => {
    const biased = createLocalJudge({ positionBias: -2 });
    for (const x of pairs) {
      const ab = judgeBothOrders(biased, x.prompt, x.a, x.b);
      const ba = judgeBothOrders(biased, x.prompt, x.b, x.a);
      expect(ab.p + ba.p).toBeCloseTo(1, 12);
      const d = biased.quality(x.prompt, x.a) - biased.quality(x.prompt, x.b);
      if (d > 1e-9) expect(ab.p).toBeGreaterThan(0.5);
      if (d < -1e-9) expect(ab.p).toBeLessThan(0.5);
    }
  });
});
