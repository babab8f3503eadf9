/**
 * A run's identity: the fingerprint of the parts of its config that decide its results. A run's
 * artifact namespace (its run key, by default the workflow id) is bound to the fingerprint of
 * the config that first used it, so reusing an id with another config fails instead of
 * returning, or mixing in, the artifacts of the old run.
 */
import { createHash } from 'node:crypto';
import type { RunConfig } from '../config/schema';

/**
 * Fields that do not change what a round computes: labels, how far the run goes, how it is
 * scheduled and retried, and its spending cap. A run resumed or extended with other values of
 * these is the same run.
 */
const NOT_RESULT_DECIDING = new Set([
  'name',
  'rounds',
  'runKey',
  // A rerun computes the same config again: its namespace says where it came from, not what it is.
  'rerunOf',
  'continueAsNewEvery',
  'timeouts',
  'taskQueues',
  'budget',
]);

/** JSON with object keys sorted, so equal configs give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The result-deciding part of a config. */
export function resultDecidingPart(config: RunConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !NOT_RESULT_DECIDING.has(k)));
}

/** The run fingerprint of a config: 16 hex digits of a SHA-256 of its result-deciding part. */
export function runFingerprint(config: RunConfig): string {
  return createHash('sha256')
    .update(canonical(resultDecidingPart(config)))
    .digest('hex')
    .slice(0, 16);
}

/** The dotted fields (to two levels) in which two result-deciding parts differ, e.g. "seed", "judge.kind". */
export function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const [x, y] = [a[key], b[key]];
    if (canonical(x) === canonical(y)) continue;
    const nested = x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x);
    const inner = nested ? differingFields(x as Record<string, unknown>, y as Record<string, unknown>) : [];
    out.push(
      ...(inner.length > 0 && inner.length <= 4 ? inner.map((f) => `${key}.${f.split('.')[0]}`) : [key]),
    );
  }
  return [...new Set(out)];
}
