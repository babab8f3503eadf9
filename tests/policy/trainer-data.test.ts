/** TRL data files for external trainers: orientation by the soft label, both forms, prompts, read-back. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  parseTrlPreferences,
  softLabelMargin,
  trlPreferences,
  writeTrlPreferences,
  writeTrlPrompts,
} from '../../src/policy/trainer-data';
import { prefRow } from './helpers';

const rows = [
  prefRow('p1', 'describe the ocean', 'wave tide', 'the the', 0.8),
  prefRow('p2', 'describe the forest', 'so stuff', 'pine moss', 0.25),
  prefRow('p3', 'describe the city', 'neon', 'tower', 0.5),
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rlaif-trainer-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trlPreferences', () => {
  it('makes the side with p > 0.5 chosen and leaves ties out', () => {
    expect(trlPreferences(rows)).toEqual({
      records: [
        { prompt: 'describe the ocean', chosen: 'wave tide', rejected: 'the the' },
        { prompt: 'describe the forest', chosen: 'pine moss', rejected: 'so stuff' },
      ],
      skippedTies: 1,
    });
  });

  it('adds the soft label as score = p(chosen ≻ rejected) or as its log-odds margin', () => {
    const scored = trlPreferences(rows, { softLabel: 'score' }).records;
    expect(scored.map((r) => r.score)).toEqual([0.8, 0.75]);
    const margins = trlPreferences(rows, { softLabel: 'margin' }).records.map((r) => r.margin as number);
    expect(margins[0]).toBeCloseTo(Math.log(4), 12);
    expect(margins[1]).toBeCloseTo(Math.log(3), 12);
    expect(Number.isFinite(softLabelMargin(1))).toBe(true);
  });

  it('writes the conversational form with role/content messages and an optional system turn', () => {
    const { records } = trlPreferences(rows.slice(0, 1), {
      form: 'conversational',
      systemPrompt: 'Be brief.',
    });
    expect(records).toEqual([
      {
        prompt: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'describe the ocean' },
        ],
        chosen: [{ role: 'assistant', content: 'wave tide' }],
        rejected: [{ role: 'assistant', content: 'the the' }],
      },
    ]);
  });

  it('refuses a label that is not a probability', () => {
    expect(() => trlPreferences([prefRow('x', 'q', 'a', 'b', Number.NaN)])).toThrow(
      expect.objectContaining({ name: 'InvalidInputError' }),
    );
  });
});

describe('TRL JSONL files', () => {
  it('writes one JSON object per line and reads both forms back to the same pairs', async () => {
    const std = await writeTrlPreferences(path.join(dir, 'std.jsonl'), rows, { softLabel: 'score' });
    expect(std).toEqual({
      path: path.join(dir, 'std.jsonl'),
      format: 'trl-standard',
      count: 2,
      skippedTies: 1,
    });
    const text = await readFile(std.path, 'utf8');
    expect(text).toBe(
      '{"prompt":"describe the ocean","chosen":"wave tide","rejected":"the the","score":0.8}\n' +
        '{"prompt":"describe the forest","chosen":"pine moss","rejected":"so stuff","score":0.75}\n',
    );
    const chat = await writeTrlPreferences(path.join(dir, 'chat.jsonl'), rows, {
      form: 'conversational',
      softLabel: 'margin',
      systemPrompt: 'Be brief.',
    });
    expect(chat.format).toBe('trl-conversational');
    const expected = [
      { prompt: 'describe the ocean', chosen: 'wave tide', rejected: 'the the', q: 0.8 },
      { prompt: 'describe the forest', chosen: 'pine moss', rejected: 'so stuff', q: 0.75 },
    ];
    expect(parseTrlPreferences(text)).toEqual(expected);
    const back = parseTrlPreferences(await readFile(chat.path, 'utf8'));
    back.forEach((b, i) => {
      expect(b).toMatchObject({ ...expected[i], q: expect.any(Number) });
      expect(b.q).toBeCloseTo(expected[i]!.q, 9);
    });
  });

  it('refuses to write a file of ties only, and names the bad line when reading', async () => {
    await expect(writeTrlPreferences(path.join(dir, 'ties.jsonl'), rows.slice(2))).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
    expect(() =>
      parseTrlPreferences('{"prompt":"a","chosen":"b","rejected":"c"}\n\n{"prompt":"a"}\n', 'f'),
    ).toThrow(/f line 3: expected "prompt", "chosen" and "rejected"/);
  });

  it('writes prompt-only rows for online trainers in both forms', async () => {
    const file = await writeTrlPrompts(path.join(dir, 'prompts.jsonl'), [
      { id: 'a', prompt: 'describe the ocean' },
      'describe the forest',
    ]);
    expect(file).toMatchObject({ format: 'prompts', count: 2 });
    expect(await readFile(file.path, 'utf8')).toBe(
      '{"prompt":"describe the ocean"}\n{"prompt":"describe the forest"}\n',
    );
    const chat = await writeTrlPrompts(path.join(dir, 'prompts-chat.jsonl'), ['hi'], {
      form: 'conversational',
    });
    expect(await readFile(chat.path, 'utf8')).toBe('{"prompt":[{"role":"user","content":"hi"}]}\n');
  });
});
