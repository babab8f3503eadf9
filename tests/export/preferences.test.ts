/** Preference exports: exact TRL and OpenAI DPO line shapes, orientation by the soft label, ties left out. */
import {
  preferencesToOpenAIDpoJsonl,
  preferencesToTrlJsonl,
  toOpenAIDpoExample,
} from '../../src/export/preferences';
import { prefRow } from '../policy/helpers';

const rows = [
  prefRow('p1', 'describe the ocean', 'wave tide', 'the the', 0.9),
  prefRow('p2', 'describe the "forest"', 'so stuff', 'pine moss', 0.2),
  prefRow('p3', 'describe the city', 'neon', 'tower', 0.5),
];

describe('preferencesToTrlJsonl', () => {
  it('writes TRL standard preference lines, chosen = the side with p > 0.5', () => {
    expect(preferencesToTrlJsonl(rows)).toEqual({
      lines: [
        '{"prompt":"describe the ocean","chosen":"wave tide","rejected":"the the"}',
        '{"prompt":"describe the \\"forest\\"","chosen":"pine moss","rejected":"so stuff"}',
      ],
      skippedTies: 1,
    });
  });

  it('can carry the soft label as a score column', () => {
    const { lines } = preferencesToTrlJsonl(rows, { softLabel: 'score' });
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { prompt: 'describe the ocean', chosen: 'wave tide', rejected: 'the the', score: 0.9 },
      { prompt: 'describe the "forest"', chosen: 'pine moss', rejected: 'so stuff', score: 0.8 },
    ]);
  });
});

describe('OpenAI DPO format', () => {
  it('writes input.messages, preferred_output and non_preferred_output', () => {
    const { lines, skippedTies } = preferencesToOpenAIDpoJsonl(rows);
    expect(skippedTies).toBe(1);
    expect(lines[0]).toBe(
      '{"input":{"messages":[{"role":"user","content":"describe the ocean"}]},' +
        '"preferred_output":[{"role":"assistant","content":"wave tide"}],' +
        '"non_preferred_output":[{"role":"assistant","content":"the the"}]}',
    );
    expect(JSON.parse(lines[1]!)).toEqual({
      input: { messages: [{ role: 'user', content: 'describe the "forest"' }] },
      preferred_output: [{ role: 'assistant', content: 'pine moss' }],
      non_preferred_output: [{ role: 'assistant', content: 'so stuff' }],
    });
  });

  it('puts a system prompt first and returns undefined for a tie', () => {
    expect(toOpenAIDpoExample(rows[0]!, { systemPrompt: 'Answer in a few words.' })).toEqual({
      input: {
        messages: [
          { role: 'system', content: 'Answer in a few words.' },
          { role: 'user', content: 'describe the ocean' },
        ],
      },
      preferred_output: [{ role: 'assistant', content: 'wave tide' }],
      non_preferred_output: [{ role: 'assistant', content: 'the the' }],
    });
    expect(toOpenAIDpoExample(rows[2]!)).toBeUndefined();
  });
});
