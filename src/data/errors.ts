/** Bad input data: never retried, always naming the file and line (or field) at fault. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}
