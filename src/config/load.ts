/** Reads a run config file from disk (not workflow-safe: uses fs). */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';
import { parseRunConfig } from './parse';
import type { RunConfig } from './schema';

/** Parses JSON text, turning a syntax error into one that names the file, line and column. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    if (pos) {
      const offset = Number(pos[1]);
      const before = text.slice(0, offset).split('\n');
      const line = before.length;
      const column = (before[before.length - 1]?.length ?? 0) + 1;
      throw new ConfigError(`${source}:${line}:${column}: invalid JSON (${message})`);
    }
    throw new ConfigError(`${source}: invalid JSON (${message})`);
  }
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
