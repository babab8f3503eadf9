/** Supervised fine-tuning lowers the per-token loss of the corpus and of held-out rows from it. */
import { demoSftCorpus } from '../../src/demo/world';
import { initPolicy } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { encodeSft, sftLoss, trainSft } from '../../src/policy/sft';
import { trainInitialPolicy } from '../../src/stages/prepare';

describe('SFT', () => {
  it('loss falls on the training rows and on unseen rows', async () => {
    const policy = initPolicy(Vocab.demo(), 10);
    const train = encodeSft(policy, demoSftCorpus(1, 400));
    const held = encodeSft(policy, demoSftCorpus(2, 200));
    const before = sftLoss(policy, held);
    // Zero weights give the uniform distribution over the V − 2 producible tokens.
    expect(before).toBeCloseTo(Math.log(policy.vocab.size - 2), 6);
    const epochLosses: number[] = [];
    await trainSft(policy, train, { epochs: 5, lr: 0.05, batchSize: 32, seed: 1 }, (_e, loss) => {
      epochLosses.push(loss);
    });
    for (let i = 1; i < epochLosses.length; i++)
      expect(epochLosses[i]).toBeLessThan(epochLosses[i - 1] as number);
    expect(sftLoss(policy, train)).toBeLessThan(before - 0.8);
    expect(sftLoss(policy, held)).toBeLessThan(before - 0.4);
  });

  it('names the row whose response the policy cannot produce', () => {
    const policy = initPolicy(Vocab.demo(), 3);
    expect(() =>
      encodeSft(policy, [
        { prompt: 'describe the ocean', response: 'wave tide' },
        { prompt: 'x', response: 'wave zebra' },
      ]),
    ).toThrow(/SFT row 1: .*"zebra"/);
    expect(() => encodeSft(policy, [{ prompt: 'x', response: 'wave wave wave wave' }])).toThrow(/4 words/);
    // Bad data or a too small generate.maxTokens: an error no retry can fix, saying which field.
    const err = (() => {
      try {
        encodeSft(policy, [{ prompt: 'x', response: 'wave wave wave wave' }]);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.name).toBe('InvalidInputError');
    expect(err?.message).toMatch(/generate\.maxTokens/);
  });

  it('trainInitialPolicy stops with an AbortError when its signal fires', async () => {
    const ctrl = new AbortController();
    const run = trainInitialPolicy(
      demoSftCorpus(1, 200),
      { seed: 1, epochs: 50, lr: 0.05, maxTokens: 10 },
      (done) => {
        if (done === 2) ctrl.abort();
      },
      ctrl.signal,
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
