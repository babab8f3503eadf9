/** Bad input data: never retried, always naming the file and line (or field) at fault. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    message: string,
    /** Each problem as "file:line: what is wrong", when there are several. */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}
