/**
 * The marker lines of a judge prompt, written once here for both sides of the protocol: the
 * templates and exemplars write them (templates.ts, and the built-in files in `templates/`), the
 * local model server's judge reads them back (parse.ts), and the LLM judge reads the answer tags
 * out of a model's text answer (answers.ts). The layout is that of Lee et al. 2023 (RLAIF).
 */

/** The markers as the built-in templates write them, each at the start of its own line. */
export const MARKERS = {
  prompt: 'Prompt:',
  response1: 'Response 1:',
  response2: 'Response 2:',
  /** The single response of a scoring prompt. */
  response: 'Response:',
  /** Chain of thought: the rationale follows; alone on the last line, it asks for one. */
  rationale: 'Rationale:',
  /** The pairwise answer tag: the next token is "1" or "2". */
  preferred: 'Preferred Response=',
  /** The scoring answer tag: the next token is "1".."10". */
  rating: 'Rating=',
} as const;

/** What a marker line starts. */
export type MarkerKind = 'prompt' | 'response1' | 'response2' | 'response' | 'end';

/**
 * How a reader recognizes the marker lines: each of MARKERS, case-insensitively, leading spaces
 * allowed, plus the variants hand-written templates use (`Input:`, `Explanation:`, `Score:`,
 * `Answer:`). Group 1 is the rest of the line. `end` markers close a section and carry no text.
 */
export const MARKER_LINES: ReadonlyArray<readonly [MarkerKind, RegExp]> = [
  ['prompt', /^\s*(?:prompt|input)\s*:(.*)$/i],
  ['response1', /^\s*response\s*1\s*:(.*)$/i],
  ['response2', /^\s*response\s*2\s*:(.*)$/i],
  ['response', /^\s*response\s*:(.*)$/i],
  ['end', /^\s*(?:preferred response|rationale|explanation|score|rating|answer)\s*[:=](.*)$/i],
];

/** A last line that asks for a rationale (chain of thought, step 1). */
export const RATIONALE_REQUEST = /^\s*(?:rationale|explanation)\s*:\s*$/i;

/** The pairwise answer tag in a text answer, `Preferred Response=2` or `Preferred Response: (1)`. */
export const PREFERRED_TAG = /Preferred\s+Response\s*[=:]\s*\(?\s*([12])\b/gi;

/** The scoring answer tag in a text answer, `Rating=7` or `Rating: 8.5`. */
export const RATING_TAG = /Rating\s*[=:]\s*(\d+(?:\.\d+)?)/gi;
