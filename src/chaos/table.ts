/**
 * The suite's figures: faults injected by kind, then runs, completed, records lost, records
 * duplicated and figures that differ, as a table and as one JSON object (the last line).
 */
import type { SuiteResult } from './suite';

export interface ChaosFigures {
  faults: number;
  faultsByKind: Record<string, number>;
  /** Planned faults whose moment had passed or that could not be made here (with why). */
  notInjected: Record<string, number>;
  runs: number;
  completed: number;
  lost: number;
  duplicated: number;
  differing: number;
  extraCommits: number;
  unlogged: number;
  damaged: number;
  artifactsDiffering: number;
  /** S3 multipart uploads of killed attempts still in progress after their runs (not aborted). */
  abandonedUploads: number;
  seconds: number;
}

export function figuresOf(result: SuiteResult): ChaosFigures {
  const faultsByKind: Record<string, number> = {};
  const notInjected: Record<string, number> = {};
  let faults = 0;
  for (const r of result.reports) {
    for (const f of r.faults) {
      if (f.injected) {
        faults++;
        faultsByKind[f.kind] = (faultsByKind[f.kind] ?? 0) + 1;
      } else {
        // The reason only (details such as other failures seen are in CHAOS_REPORT).
        const why = `${f.kind} (${(f.note ?? 'not injected').replace(/ \(other failures: .*$/, '')})`;
        notInjected[why] = (notInjected[why] ?? 0) + 1;
      }
    }
  }
  const sum = (f: (r: SuiteResult['reports'][number]) => number) =>
    result.reports.reduce((s, r) => s + f(r), 0);
  return {
    faults,
    faultsByKind: Object.fromEntries(Object.entries(faultsByKind).sort(([a], [b]) => a.localeCompare(b))),
    notInjected,
    runs: result.reports.length,
    completed: result.reports.filter((r) => r.check.completed).length,
    lost: sum((r) => r.check.lost),
    duplicated: sum((r) => r.check.duplicated),
    differing: sum((r) => r.check.differing.length),
    extraCommits: sum((r) => r.check.extraCommits),
    unlogged: sum((r) => r.check.unlogged.length),
    damaged: sum((r) => r.check.damaged.length),
    artifactsDiffering: sum((r) => r.check.artifactsDiffering.length),
    abandonedUploads: sum((r) => r.check.abandonedUploads),
    seconds: Math.round(result.seconds),
  };
}

/** What made the suite fail (empty when every run passed every check), for the exit code and tests. */
export function failures(fig: ChaosFigures): string[] {
  const out: string[] = [];
  if (fig.completed < fig.runs) out.push(`${fig.runs - fig.completed} of ${fig.runs} runs did not complete`);
  const counts: Array<[number, string]> = [
    [fig.lost, 'records lost'],
    [fig.duplicated, 'records duplicated'],
    [fig.differing, 'figures differing'],
    [fig.extraCommits, 'keys committed more than once'],
    [fig.damaged, 'committed artifacts damaged'],
    [fig.abandonedUploads, 'S3 multipart uploads left in progress'],
  ];
  for (const [n, what] of counts) if (n > 0) out.push(`${n} ${what}`);
  return out;
}

/** The table as lines of text. */
export function formatTable(fig: ChaosFigures): string[] {
  const rows: Array<[string, string]> = [];
  for (const [kind, n] of Object.entries(fig.faultsByKind))
    rows.push([`faults injected: ${kind}`, String(n)]);
  rows.push(['faults injected, total', String(fig.faults)]);
  for (const [why, n] of Object.entries(fig.notInjected))
    rows.push([`planned, not injected: ${why}`, String(n)]);
  rows.push(
    ['runs', String(fig.runs)],
    ['runs completed', String(fig.completed)],
    ['records lost', String(fig.lost)],
    ['records duplicated', String(fig.duplicated)],
    ['figures differing from the undisturbed run', String(fig.differing)],
    ['keys committed more than once', String(fig.extraCommits)],
    ['committed keys missing from the commit log', String(fig.unlogged)],
    ['committed artifacts damaged', String(fig.damaged)],
    ['artifacts whose bytes differ from the undisturbed run', String(fig.artifactsDiffering)],
    ['S3 multipart uploads left in progress', String(fig.abandonedUploads)],
    ['wall time, s', String(fig.seconds)],
  );
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, v]) => `${l.padEnd(width)}  ${v.padStart(6)}`);
}
