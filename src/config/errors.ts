/** A configuration that cannot run. Never retried: the same input fails the same way. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** Each problem as "path: what was expected". */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}
