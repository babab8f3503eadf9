/** The word vocabulary. */
import { demoWords } from '../../src/demo/world';
import { Vocab } from '../../src/models/vocab';

describe('Vocab', () => {
  it('holds the special tokens and every demo word', () => {
    const v = Vocab.demo();
    expect(v.size).toBe(demoWords().length + 3);
    expect(v.tokens[v.bos]).toBe('<bos>');
    expect(v.tokens[v.eos]).toBe('<eos>');
    expect(v.tokens[v.unk]).toBe('<unk>');
  });

  it('encodes on whitespace with unknown words as <unk>, and decodes back', () => {
    const v = Vocab.demo();
    const ids = v.encode('  wave   tide\tzebra ');
    expect(ids).toEqual([v.id('wave'), v.id('tide'), v.unk]);
    expect(v.decode([v.bos, ...ids, v.eos])).toBe('wave tide <unk>');
    expect(() => v.decode([v.size])).toThrow(/outside the vocabulary/);
  });

  it('rejects duplicate tokens and a missing special token', () => {
    expect(() => new Vocab(['<bos>', '<eos>', '<unk>', 'a', 'a'])).toThrow(/twice/);
    expect(() => new Vocab(['<bos>', '<eos>', 'a'])).toThrow(/<unk>/);
  });
});
