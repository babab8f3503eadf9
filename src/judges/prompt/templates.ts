/**
 * Judge prompt templates, laid out as in Lee et al. 2023 (RLAIF): a preamble with the task and
 * criteria, optional few-shot exemplars, the prompt, `Response 1:` / `Response 2:`, and an ending
 * (`Preferred Response=`) whose next token is read as the answer. Templates are plain files in
 * `templates/` that users may edit or replace (the judge option `templates` names replacements);
 * this module loads, checks and fills them. The marker lines (markers.ts) stay verbatim at line
 * starts in the built-in files: the local model server's `local-judge` reads them back (parse.ts).
 *
 * Placeholders: {preamble} {exemplars} {prompt} {response1} {response2} {response} {principle}
 * {rationale}. Substitution is one pass, so text inside a response that looks like a placeholder
 * is never expanded. `{principle}` expands to a sentence naming the principle, or to nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MARKERS } from './markers';

/** The placeholders a template may use. */
export const PLACEHOLDERS = [
  'preamble',
  'exemplars',
  'prompt',
  'response1',
  'response2',
  'response',
  'principle',
  'rationale',
] as const;
/** One placeholder name. */
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** The four templates of the LLM judge. */
export interface JudgeTemplates {
  /** Pairwise preference, answer read after `Preferred Response=`. */
  pairwise: string;
  /** Chain of thought, step 1: asks for a rationale, ends with `Rationale:`. */
  rationale: string;
  /** Chain of thought, step 2: the rationale appended, then `Preferred Response=`. */
  pairwiseCot: string;
  /** Direct RLAIF: one response rated 1–10, answer read after `Rating=`. */
  score: string;
}

/** Paths of replacement template files (any subset); relative paths are taken from the cwd. */
export type TemplatePaths = Partial<Record<keyof JudgeTemplates, string>>;

const FILES: Record<keyof JudgeTemplates, string> = {
  pairwise: 'pairwise.txt',
  rationale: 'rationale.txt',
  pairwiseCot: 'pairwise-cot.txt',
  score: 'score.txt',
};

/** Placeholders each template must contain to make sense. */
const REQUIRED: Record<keyof JudgeTemplates, Placeholder[]> = {
  pairwise: ['prompt', 'response1', 'response2'],
  rationale: ['prompt', 'response1', 'response2'],
  pairwiseCot: ['prompt', 'response1', 'response2', 'rationale'],
  score: ['prompt', 'response'],
};

/** Default preamble of the pairwise templates (task and criteria). */
export const DEFAULT_PAIRWISE_PREAMBLE =
  'You are an expert rater of AI assistant responses. Given a prompt and two responses to it, decide ' +
  'which response is better: more helpful, accurate, relevant and clear, and not harmful.{principle}\n' +
  'Answer with 1 if Response 1 is better or 2 if Response 2 is better.';

/** Default preamble of the scoring template. */
export const DEFAULT_SCORE_PREAMBLE =
  'You are an expert rater of AI assistant responses. Given a prompt and a response to it, rate how ' +
  'good the response is: helpful, accurate, relevant and clear, and not harmful.{principle}';

/** The package root: the nearest directory above `from` whose package.json is temporal-rlaif. */
function packageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'temporal-rlaif') return dir;
    } catch {
      // no readable package.json here; keep walking up
    }
    if (path.dirname(dir) === dir)
      throw new Error(`cannot find the temporal-rlaif package root above ${from}`);
  }
}

/** The folder of the built-in templates. */
export function defaultTemplatesDir(): string {
  return path.join(packageRoot(), 'templates');
}

/** Reads a template file and checks that it has the placeholders its role needs. */
export function loadTemplate(role: keyof JudgeTemplates, file?: string): string {
  const p = file ? path.resolve(file) : path.join(defaultTemplatesDir(), FILES[role]);
  let text: string;
  try {
    text = fs.readFileSync(p, 'utf8');
  } catch (e) {
    throw new Error(`judge template ${role}: cannot read ${p}: ${(e as Error).message}`, { cause: e });
  }
  const missing = REQUIRED[role].filter((ph) => !text.includes(`{${ph}}`));
  if (missing.length > 0) {
    throw new Error(
      `judge template ${role} (${p}) lacks ${missing.map((m) => `{${m}}`).join(', ')}; ` +
        `available placeholders: ${PLACEHOLDERS.map((x) => `{${x}}`).join(' ')}`,
    );
  }
  return text;
}

/** All four templates: the built-in files, replaced where `paths` names a file. */
export function loadTemplates(paths: TemplatePaths = {}): JudgeTemplates {
  return {
    pairwise: loadTemplate('pairwise', paths.pairwise),
    rationale: loadTemplate('rationale', paths.rationale),
    pairwiseCot: loadTemplate('pairwiseCot', paths.pairwiseCot),
    score: loadTemplate('score', paths.score),
  };
}

/** Replaces known placeholders in one pass; unknown `{…}` text is left as it is, missing values become ''. */
export function renderTemplate(template: string, vars: Partial<Record<Placeholder, string>>): string {
  const re = new RegExp(`\\{(${PLACEHOLDERS.join('|')})\\}`, 'g');
  return template.replace(re, (_m, name: Placeholder) => vars[name] ?? '');
}

/** The `{principle}` expansion: a sentence naming the principle, or '' without one. */
export function principleText(principle: string | undefined): string {
  return principle ? `\nAbove all, apply this principle: ${principle}` : '';
}

/** A worked pairwise example shown before the real comparison. */
export interface PairExemplar {
  prompt: string;
  response1: string;
  response2: string;
  preferred: 1 | 2;
  rationale?: string;
}

/** A worked scoring example shown before the real response. */
export interface ScoreExemplar {
  prompt: string;
  response: string;
  rating: number;
}

/** Few-shot pairwise exemplars in the same layout as the question, each ending with its answer. */
export function renderPairExemplars(exemplars: readonly PairExemplar[]): string {
  return exemplars
    .map(
      (e) =>
        `${MARKERS.prompt}\n${e.prompt}\n\n${MARKERS.response1}\n${e.response1}\n\n` +
        `${MARKERS.response2}\n${e.response2}\n\n` +
        (e.rationale ? `${MARKERS.rationale}\n${e.rationale}\n\n` : '') +
        `${MARKERS.preferred}${e.preferred}\n\n`,
    )
    .join('');
}

/** Few-shot scoring exemplars, each ending with its rating. */
export function renderScoreExemplars(exemplars: readonly ScoreExemplar[]): string {
  return exemplars
    .map(
      (e) =>
        `${MARKERS.prompt}\n${e.prompt}\n\n${MARKERS.response}\n${e.response}\n\n${MARKERS.rating}${e.rating}\n\n`,
    )
    .join('');
}

/** What a pairwise judge prompt is built from. */
export interface PairwisePromptParts {
  preamble?: string;
  exemplars?: readonly PairExemplar[];
  principle?: string;
  prompt: string;
  first: string;
  second: string;
  rationale?: string;
}

/** Renders the pairwise, rationale or pairwise-cot template for one ordered pair. */
export function renderPairwise(template: string, parts: PairwisePromptParts): string {
  const principle = principleText(parts.principle);
  const preamble = renderTemplate(parts.preamble ?? DEFAULT_PAIRWISE_PREAMBLE, { principle });
  return renderTemplate(template, {
    preamble,
    principle,
    exemplars: renderPairExemplars(parts.exemplars ?? []),
    prompt: parts.prompt,
    response1: parts.first,
    response2: parts.second,
    rationale: parts.rationale ?? '',
  });
}

/** What a scoring prompt is built from. */
export interface ScorePromptParts {
  preamble?: string;
  exemplars?: readonly ScoreExemplar[];
  principle?: string;
  prompt: string;
  response: string;
}

/** Renders the scoring template for one response. */
export function renderScore(template: string, parts: ScorePromptParts): string {
  const principle = principleText(parts.principle);
  const preamble = renderTemplate(parts.preamble ?? DEFAULT_SCORE_PREAMBLE, { principle });
  return renderTemplate(template, {
    preamble,
    principle,
    exemplars: renderScoreExemplars(parts.exemplars ?? []),
    prompt: parts.prompt,
    response: parts.response,
  });
}
