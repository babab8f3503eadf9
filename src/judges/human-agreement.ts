/**
 * Checking a judge against people: a JSONL of human-labelled pairs and the judge's agreement with
 * it. Lee et al. 2023 validate their AI labeler this way before trusting it with a whole run.
 */
import { forEachLine, LineFileError, type LineFileOptions } from '../data/line-file';
import { wilsonInterval } from '../eval/stats';
import { addUsage, type TokenUsage } from '../providers/usage';
import { parseJson } from '../util/json-error';
import type { AsyncPairwiseJudge } from './async-judge';
import { judgePairBothOrders, type BothOrdersOptions } from './judge-pairs';

/** One human-labelled pair: `a` and `b` with the person's choice ('tie' counts half). */
export interface HumanPair {
  /** 1-based line in the source file. */
  line: number;
  prompt: string;
  a: string;
  b: string;
  label: 'a' | 'b' | 'tie';
}

/**
 * A file of human labels with problems; `problems` lists the first ones as "file:line: what is
 * wrong". No problem quotes the file's text (a config can name any file the worker can read).
 */
export class HumanLabelsError extends Error {
  override readonly name = 'HumanLabelsError';
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Parses one JSON object as a human pair, or says what is wrong with it. */
function parsePair(v: unknown, line: number): HumanPair | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'expected a JSON object';
  const o = v as Record<string, unknown>;
  if (!str(o.prompt)) return 'missing "prompt" (a non-empty string)';
  if ('chosen' in o || 'rejected' in o) {
    if (!str(o.chosen) || !str(o.rejected)) return '"chosen" and "rejected" must both be non-empty strings';
    return { line, prompt: o.prompt, a: o.chosen, b: o.rejected, label: 'a' };
  }
  if (!str(o.a) || !str(o.b)) return 'expected {prompt, chosen, rejected} or {prompt, a, b, label}';
  const l = o.label;
  const label =
    l === 'a' || l === 'A' || l === 1 || l === '1'
      ? 'a'
      : l === 'b' || l === 'B' || l === 2 || l === '2'
        ? 'b'
        : l === 'tie' || l === 0.5
          ? 'tie'
          : undefined;
  if (!label) return '"label" must be "a", "b", 1, 2 or "tie"';
  return { line, prompt: o.prompt, a: o.a, b: o.b, label };
}

const MAX_REPORTED = 20;

/** Collects pairs line by line, keeping the first problems; `finish` throws when there were any. */
function pairCollector(source: string) {
  const pairs: HumanPair[] = [];
  const problems: string[] = [];
  let bad = 0;
  const problem = (p: string) => {
    if (++bad <= MAX_REPORTED) problems.push(p);
  };
  return {
    add(raw: string, line: number): void {
      if (raw.trim() === '') return;
      const parsed = parseJson(raw, source, line);
      if (!parsed.ok) return problem(parsed.message);
      const r = parsePair(parsed.value, line);
      if (typeof r === 'string') problem(`${source}:${line}: ${r}`);
      else pairs.push(r);
    },
    finish(): HumanPair[] {
      if (bad > 0) {
        const more = bad > MAX_REPORTED ? `\n  … and ${bad - MAX_REPORTED} more` : '';
        throw new HumanLabelsError(
          `${source}: ${bad} bad line(s):\n  ${problems.join('\n  ')}${more}`,
          problems,
        );
      }
      if (pairs.length === 0) throw new HumanLabelsError(`${source}: no labelled pairs`, []);
      return pairs;
    },
  };
}

/** Parses JSONL text of human labels; throws one HumanLabelsError listing the bad lines. */
export function parseHumanPairs(text: string, source = 'human labels'): HumanPair[] {
  const pairs = pairCollector(source);
  text.split('\n').forEach((raw, i) => pairs.add(raw.replace(/\r$/, ''), i + 1));
  return pairs.finish();
}

/**
 * Reads a JSONL file of human labels (see parseHumanPairs), within the size and line limits of
 * line-file.ts. A file that cannot be read, is too big or is not UTF-8 is a HumanLabelsError too:
 * retrying the activity would read the same bytes.
 */
export async function readHumanPairs(file: string, options: LineFileOptions = {}): Promise<HumanPair[]> {
  const pairs = pairCollector(file);
  try {
    await forEachLine(file, 'human labels file', pairs.add, options);
  } catch (err) {
    if (err instanceof LineFileError) throw new HumanLabelsError(err.message, []);
    throw err;
  }
  return pairs.finish();
}

/** How often the judge agrees with people. */
export interface AgreementReport {
  /** Pairs with a human label. */
  n: number;
  /** Pairs the judge labelled (the others are failures). */
  judged: number;
  /** Agreement over judged pairs: 1 when the judge's argmax matches, ½ when either side is a tie. */
  agreement: number;
  /** 95% Wilson interval of the agreement (ties count as half a success). */
  ci: [number, number];
  /** Mean probability the judge gave to the human's choice (non-tie pairs): a soft agreement. */
  meanProbabilityOfHumanChoice: number;
  /** Share of judged pairs whose argmax flipped with the order. */
  flipRate: number;
  failures: Array<{ line: number; reason: string }>;
  usage: TokenUsage;
}

/** Judges every human-labelled pair in both orders and compares with the human choice. */
export async function humanAgreement(
  judge: AsyncPairwiseJudge & { readonly swapOrder?: boolean },
  pairs: readonly HumanPair[],
  opts: BothOrdersOptions & { concurrency?: number } = {},
): Promise<AgreementReport> {
  const outcomes = new Array<Awaited<ReturnType<typeof judgePairBothOrders>>>(pairs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const i = next++;
      const h = pairs[i] as HumanPair;
      outcomes[i] = await judgePairBothOrders(
        judge,
        {
          id: `human:${h.line}`,
          promptId: `human:${h.line}`,
          prompt: h.prompt,
          aId: 'a',
          bId: 'b',
          a: h.a,
          b: h.b,
        },
        { ...opts, deadLetters: undefined },
      );
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, pairs.length)) }, worker),
  );
  let score = 0;
  let judged = 0;
  let flips = 0;
  let softSum = 0;
  let softN = 0;
  const failures: AgreementReport['failures'] = [];
  outcomes.forEach((o, i) => {
    const h = pairs[i] as HumanPair;
    if (!o.ok) {
      failures.push({ line: h.line, reason: o.deadLetter.reason });
      return;
    }
    judged++;
    if (o.row.flipped) flips++;
    const p = o.row.p;
    const judgeSays = p > 0.5 ? 'a' : p < 0.5 ? 'b' : 'tie';
    score += judgeSays === 'tie' || h.label === 'tie' ? 0.5 : judgeSays === h.label ? 1 : 0;
    if (h.label !== 'tie') {
      softSum += h.label === 'a' ? p : 1 - p;
      softN++;
    }
  });
  return {
    n: pairs.length,
    judged,
    agreement: judged === 0 ? 0 : score / judged,
    ci: judged === 0 ? [0, 1] : wilsonInterval(score, judged),
    meanProbabilityOfHumanChoice: softN === 0 ? 0 : softSum / softN,
    flipRate: judged === 0 ? 0 : flips / judged,
    failures,
    usage: addUsage(...outcomes.map((o) => o.usage)),
  };
}
