/** Reads a run config file from disk (not workflow-safe: uses fs). */
import { readFileSync } from 'node:fs';
import { parseJson } from '../util/json-error';
import { ConfigError } from './errors';
import { parseRunConfig } from './parse';
import type { RunConfig } from './schema';

/**
 * Parses JSON text; a syntax error names the file, line and column and what was expected, in the
 * same words as every file a worker reads (never quoting the text).
 */
export function parseJsonText(text: string, source: string): unknown {
  const parsed = parseJson(text, source);
  if (!parsed.ok) throw new ConfigError(parsed.message);
  return parsed.value;
}

/** Loads and validates a run config file; every error names the file. */
export function loadRunConfigFile(path: string): RunConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseRunConfig(parseJsonText(text, path), path);
}
