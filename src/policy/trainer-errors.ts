/**
 * Errors of the external trainer contract. They are told apart by `name`, not `instanceof`
 * (classes do not survive crossing bundles or Temporal's failure converter): `InvalidInputError`
 * is permanent, so activities fail it as non-retryable; the others are left to the retry policy.
 */

/** The root of the trainer errors; `outputTail` holds the last lines the trainer printed, if any. */
export class TrainerError extends Error {
  override name = 'TrainerError';
  constructor(
    message: string,
    /** The last lines of the trainer's output (stdout lines that are not events, and stderr). */
    readonly outputTail: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Input a retry cannot fix: a command that does not exist, a malformed spec or data file. */
export class InvalidInputError extends TrainerError {
  override name = 'InvalidInputError';
}

/** The trainer exited with a non-zero code, was killed by a signal, or broke the line protocol. */
export class TrainerFailedError extends TrainerError {
  override name = 'TrainerFailedError';
  constructor(
    message: string,
    outputTail: readonly string[],
    /** The exit code, or null when a signal ended the process. */
    readonly exitCode: number | null,
    /** The signal that ended the process, if one did. */
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message, outputTail);
  }
}

/** The trainer ran longer than its `timeoutMs` and was killed. */
export class TrainerTimeoutError extends TrainerError {
  override name = 'TrainerTimeoutError';
}

/**
 * The trainer exited with an error before it printed a single event (progress or checkpoint):
 * a broken script, a missing import, bad arguments. A retry would fail the same way, so this one
 * is permanent; a trainer that fails after it started training is a TrainerFailedError and retried.
 */
export class TrainerStartupError extends TrainerFailedError {
  override name = 'TrainerStartupError';
}
