/**
 * The judge's coverage floor. Dead letters let a batch go on when a few pairs cannot be judged;
 * a batch in which most pairs could not be judged is a broken judge (a template the model does
 * not follow, a model that refuses everything), and committing it as a success would train on
 * what little is left. Such a batch fails the run, saying where the dead letters are.
 */

/** The floor when the config sets none. */
export const DEFAULT_MIN_COVERAGE = 0.5;

/** A judge batch below `judge.minCoverage`: no retry helps, the judge or its config must change. */
export class JudgeCoverageError extends Error {
  override readonly name = 'JudgeCoverageError';
  constructor(
    message: string,
    readonly deadLetters: number,
    readonly file: string,
  ) {
    super(message);
  }
}

/**
 * Throws a JudgeCoverageError when `judged` of `total` is below `minCoverage`. `what` names the
 * items ("pairs", "responses") and `file` the dead-letter file that lists the others.
 */
export function requireCoverage(
  judged: number,
  total: number,
  minCoverage: number | undefined,
  file: string,
  what: string,
): void {
  const floor = minCoverage ?? DEFAULT_MIN_COVERAGE;
  if (total === 0 || judged / total >= floor) return;
  const dead = total - judged;
  throw new JudgeCoverageError(
    `judge: only ${judged} of ${total} ${what} got a verdict (coverage ${(judged / total).toFixed(2)}, below judge.minCoverage ${floor}); ` +
      `${dead} dead letter${dead === 1 ? '' : 's'} in ${file} say why each failed. Fix the judge (its template, endpoint or model), ` +
      `or lower judge.minCoverage, then start the run again (rlaif resume).`,
    dead,
    file,
  );
}
