import { asyncPairwise } from '../../src/judges/async-judge';
import { createLocalJudge } from '../../src/judges/create';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { humanAgreement, parseHumanPairs, readHumanPairs } from '../../src/judges/human-agreement';

describe('human agreement', () => {
  test('reads both formats and reports every bad line by number', () => {
    const ok = parseHumanPairs(
      [
        '{"prompt":"describe the ocean","chosen":"waves tide","rejected":"the the"}',
        '',
        '{"prompt":"describe the ocean","a":"x","b":"waves","label":"b"}',
        '{"prompt":"p","a":"x","b":"y","label":"tie"}',
      ].join('\n'),
    );
    expect(ok.map((p) => [p.line, p.label])).toEqual([
      [1, 'a'],
      [3, 'b'],
      [4, 'tie'],
    ]);
    try {
      parseHumanPairs(
        ['{"prompt":"p","chosen":"x"}', 'not json', '{"prompt":"p","a":"x","b":"y","label":"c"}'].join('\n'),
        'labels.jsonl',
      );
      throw new Error('expected a failure');
    } catch (e) {
      const err = e as Error & { problems: string[] };
      expect(err.name).toBe('HumanLabelsError');
      expect(err.message).toMatch(/^labels\.jsonl: 3 bad line/);
      expect(err.problems[0]).toMatch(/^labels\.jsonl:1: .*chosen/);
      expect(err.problems[1]).toBe('labels.jsonl:2:2: not valid JSON: expected true, false or null');
      expect(err.problems[2]).toBe('labels.jsonl:3: "label" must be "a", "b", 1, 2 or "tie"');
    }
  });

  test('a missing file, invalid UTF-8 or a file over the limit is a HumanLabelsError naming the file (never retried)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-labels-'));
    try {
      const missing = path.join(dir, 'none.jsonl');
      await expect(readHumanPairs(missing)).rejects.toThrow(
        expect.objectContaining({
          name: 'HumanLabelsError',
          message: expect.stringMatching(/^cannot read human labels file .*none\.jsonl: ENOENT/),
        }),
      );
      const latin1 = path.join(dir, 'latin1.jsonl');
      fs.writeFileSync(
        latin1,
        Buffer.concat([
          Buffer.from('{"prompt":"p","chosen":"x","rejected":"y"}\n{"prompt":"caf'),
          Buffer.from([0xe9, 0x22, 0x7d]),
        ]),
      );
      await expect(readHumanPairs(latin1)).rejects.toThrow(
        expect.objectContaining({ name: 'HumanLabelsError', message: `${latin1}:2: invalid UTF-8` }),
      );
      await expect(readHumanPairs(latin1, { maxBytes: 10 })).rejects.toThrow(
        expect.objectContaining({
          name: 'HumanLabelsError',
          message: `${latin1}: the human labels file is ${fs.statSync(latin1).size} bytes, over the limit of 10 bytes`,
        }),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the local judge agrees with labels that follow its preferences, whatever its position bias', async () => {
    const judge = asyncPairwise(createLocalJudge({ positionBias: -3 }));
    const good = 'wave tide coral';
    const bad = 'wave tide';
    const pairs = parseHumanPairs(
      [
        JSON.stringify({ prompt: 'describe the ocean at night', chosen: good, rejected: bad }),
        JSON.stringify({ prompt: 'describe the ocean at night', a: bad, b: good, label: 'b' }),
        JSON.stringify({ prompt: 'describe the ocean at night', a: bad, b: good, label: 'a' }),
      ].join('\n'),
    );
    const r = await humanAgreement(judge, pairs);
    expect(r.n).toBe(3);
    expect(r.judged).toBe(3);
    expect(r.agreement).toBeCloseTo(2 / 3);
    expect(r.ci[0]).toBeLessThan(r.agreement);
    // Judged in one order only, the biased judge would prefer whichever response comes second.
    const oneOrder = await humanAgreement(judge, pairs, { swapOrder: false });
    expect(oneOrder.agreement).not.toBeCloseTo(r.agreement);
  });
});
