/** A closed word vocabulary with begin, end and unknown tokens; text is split on whitespace. */
export declare class Vocab {
    readonly tokens: string[];
    readonly size: number;
    readonly bos: number;
    readonly eos: number;
    readonly unk: number;
    private readonly index;
    /** The vocabulary of the demo world: the special tokens, then every demo word. */
    static demo(): Vocab;
    constructor(tokens: string[]);
    /** The id of a token; unknown tokens map to <unk>. */
    id(token: string): number;
    /** Whether the token is in the vocabulary. */
    has(token: string): boolean;
    /** Splits on whitespace and maps each word to its id (unknown words to <unk>). */
    encode(text: string): number[];
    /** Joins the tokens of the ids with spaces, leaving out <bos> and <eos>. */
    decode(ids: number[]): string;
}
