/**
 * Reads a user's prompt file (JSON Lines, one `{"id": ..., "prompt": ...}` per line) with
 * every problem reported as `file:line: what is wrong`, so a bad line fails the run before any
 * work starts instead of in a retry loop.
 */
import { readFileSync } from 'node:fs';
import type { PromptRow } from '../stages/types';
import { InvalidInputError } from './errors';
import { decodeUtf8Lines } from './utf8';

export interface PromptFileLimits {
  /** Longest prompt accepted, in characters. */
  maxPromptChars: number;
}

const MAX_REPORTED = 10;

/** Parses prompt rows from JSONL text; throws one error listing up to ten problems. */
export function parsePromptJsonl(text: string, file: string, limits: PromptFileLimits): PromptRow[] {
  const rows: PromptRow[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const at = `${file}:${i + 1}`;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(`${at}: not valid JSON (${(err as Error).message})`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${at}: expected an object like {"id": "p1", "prompt": "..."}`);
      return;
    }
    const { id, prompt } = value as Record<string, unknown>;
    if (typeof id !== 'string' && typeof id !== 'number') {
      problems.push(`${at}: field "id" must be a string or a number`);
      return;
    }
    if (typeof prompt !== 'string' || prompt.trim() === '') {
      problems.push(`${at}: field "prompt" must be a non-empty string`);
      return;
    }
    if (prompt.length > limits.maxPromptChars) {
      problems.push(
        `${at}: prompt is ${prompt.length} characters, over the limit of ${limits.maxPromptChars} (data.maxPromptChars)`,
      );
      return;
    }
    const key = String(id);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(`${at}: duplicate id "${key}" (first on line ${first})`);
      return;
    }
    seen.set(key, i + 1);
    rows.push({ id: key, prompt });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED);
    const more = problems.length > MAX_REPORTED ? `\n  … and ${problems.length - MAX_REPORTED} more` : '';
    throw new InvalidInputError(`invalid prompt file:\n  ${shown.join('\n  ')}${more}`, problems);
  }
  if (rows.length === 0) throw new InvalidInputError(`${file}: no prompts (the file is empty)`);
  return rows;
}

/** Reads and validates a prompt file. */
export function readPromptFile(file: string, limits: PromptFileLimits): PromptRow[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new InvalidInputError(`cannot read prompt file ${file}: ${(err as Error).message}`);
  }
  const decoded = decodeUtf8Lines(bytes);
  if ('badLine' in decoded) throw new InvalidInputError(`${file}:${decoded.badLine}: invalid UTF-8`);
  return parsePromptJsonl(decoded.text, file, limits);
}
