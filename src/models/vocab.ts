/** The word-level vocabulary shared by the policy, its ONNX export and the generation runtime. */
import { demoWords } from '../demo/world';

const BOS = '<bos>';
const EOS = '<eos>';
const UNK = '<unk>';

/** A closed word vocabulary with begin, end and unknown tokens; text is split on whitespace. */
export class Vocab {
  readonly tokens: string[];
  readonly size: number;
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  private readonly index: Map<string, number>;

  /** The vocabulary of the demo world: the special tokens, then every demo word. */
  static demo(): Vocab {
    return new Vocab([BOS, EOS, UNK, ...demoWords()]);
  }

  constructor(tokens: string[]) {
    this.tokens = tokens.slice();
    this.size = tokens.length;
    this.index = new Map();
    tokens.forEach((t, i) => {
      if (this.index.has(t)) throw new Error(`Vocab: token "${t}" appears twice`);
      if (/\s/.test(t) || t === '') throw new Error(`Vocab: token "${t}" is empty or contains whitespace`);
      this.index.set(t, i);
    });
    const special = (t: string): number => {
      const i = this.index.get(t);
      if (i === undefined) throw new Error(`Vocab: the special token ${t} is missing`);
      return i;
    };
    this.bos = special(BOS);
    this.eos = special(EOS);
    this.unk = special(UNK);
  }

  /** The id of a token; unknown tokens map to <unk>. */
  id(token: string): number {
    return this.index.get(token) ?? this.unk;
  }

  /** Whether the token is in the vocabulary. */
  has(token: string): boolean {
    return this.index.has(token);
  }

  /** Splits on whitespace and maps each word to its id (unknown words to <unk>). */
  encode(text: string): number[] {
    return text
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => this.id(w));
  }

  /** Joins the tokens of the ids with spaces, leaving out <bos> and <eos>. */
  decode(ids: number[]): string {
    return ids
      .filter((i) => i !== this.bos && i !== this.eos)
      .map((i) => {
        const t = this.tokens[i];
        if (t === undefined)
          throw new Error(`Vocab.decode: id ${i} is outside the vocabulary of ${this.size}`);
        return t;
      })
      .join(' ');
  }
}
