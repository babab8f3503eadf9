/**
 * Reads a user's prompt file (JSON Lines, one `{"id": ..., "prompt": ...}` per line) with
 * every problem reported as `file:line: what is wrong`, so a bad line fails the run before any
 * work starts instead of in a retry loop. A config can name any file the worker can read, so no
 * problem quotes the file's text: it names the place and what was expected.
 */
import type { PromptRow } from '../stages/types';
import { parseJson } from '../util/json-error';
import { InvalidInputError } from './errors';
import { forEachLine, LineFileError, type LineFileOptions } from './line-file';

export interface PromptFileLimits {
  /** Longest prompt accepted, in characters. */
  maxPromptChars: number;
}

const MAX_REPORTED = 10;

/** Checks one line of a prompt file, collecting its row or its problem. */
function checkLine(
  line: string,
  at: { file: string; line: number },
  limits: PromptFileLimits,
  seen: Map<string, number>,
): PromptRow | string {
  const where = `${at.file}:${at.line}`;
  const parsed = parseJson(line, at.file, at.line);
  if (!parsed.ok) return parsed.message;
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${where}: expected an object like {"id": "p1", "prompt": "..."}`;
  }
  const { id, prompt } = value as Record<string, unknown>;
  if (typeof id !== 'string' && typeof id !== 'number')
    return `${where}: field "id" must be a string or a number`;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    return `${where}: field "prompt" must be a non-empty string`;
  }
  if (prompt.length > limits.maxPromptChars) {
    return `${where}: prompt is ${prompt.length} characters, over the limit of ${limits.maxPromptChars} (data.maxPromptChars)`;
  }
  const key = String(id);
  const first = seen.get(key);
  // The id itself is not shown: it is text from the file.
  if (first !== undefined) return `${where}: duplicate id (first on line ${first})`;
  seen.set(key, at.line);
  return { id: key, prompt };
}

/**
 * Reads and validates a prompt file; throws one InvalidInputError listing up to ten problems.
 * Size and line limits default to MAX_LINE_FILE_BYTES and MAX_LINE_FILE_LINES.
 */
export async function readPromptFile(
  file: string,
  limits: PromptFileLimits,
  options: LineFileOptions = {},
): Promise<PromptRow[]> {
  const rows: PromptRow[] = [];
  const problems: string[] = [];
  let problemCount = 0;
  const seen = new Map<string, number>();
  try {
    await forEachLine(
      file,
      'prompt file',
      (line, n) => {
        if (line.trim() === '') return;
        const r = checkLine(line, { file, line: n }, limits, seen);
        if (typeof r !== 'string') rows.push(r);
        else if (++problemCount <= MAX_REPORTED) problems.push(r);
      },
      options,
    );
  } catch (err) {
    if (err instanceof LineFileError) throw new InvalidInputError(err.message);
    throw err;
  }
  if (problemCount > 0) {
    // Only the first few are kept: callers show every problem listed, in workflow history too.
    if (problemCount > MAX_REPORTED)
      problems.push(`${file}: … and ${problemCount - MAX_REPORTED} more problems`);
    throw new InvalidInputError(`invalid prompt file:\n  ${problems.join('\n  ')}`, problems);
  }
  if (rows.length === 0) throw new InvalidInputError(`${file}: no prompts (the file is empty)`);
  return rows;
}
