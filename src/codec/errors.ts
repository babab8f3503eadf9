/**
 * Errors of the payload codec. Each names what to fix: the environment variable holding a bad
 * key, the key id no key is known for, the payload that failed authentication. Checked by `name`
 * where they cross module or process boundaries, since `instanceof` does not survive them.
 */

/** The root of the codec's errors. */
export class CodecError extends Error {
  override readonly name: string = 'CodecError';
}

/** A key in the environment is missing, malformed or of the wrong length. */
export class CodecKeyError extends CodecError {
  override readonly name = 'CodecKeyError';
  constructor(
    /** The environment variable that holds the bad value. */
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** A payload was encrypted with a key this process does not have. */
export class UnknownKeyIdError extends CodecError {
  override readonly name = 'UnknownKeyIdError';
  constructor(
    /** The key id the payload names. */
    readonly keyId: string,
    /** The ids of the keys this process has. */
    readonly known: readonly string[],
  ) {
    super(
      `payload was encrypted with key id "${keyId}", which this process does not have ` +
        `(known: ${known.map((k) => `"${k}"`).join(', ')}); add that key to RLAIF_CODEC_OLD_KEYS as ${keyId}=<key>`,
    );
  }
}

/** A payload failed its integrity check: altered after encryption, truncated, or not ours. */
export class PayloadIntegrityError extends CodecError {
  override readonly name = 'PayloadIntegrityError';
  constructor(
    /** The key id the payload names. */
    readonly keyId: string,
    reason: string,
  ) {
    super(`encrypted payload (key id "${keyId}") failed its integrity check: ${reason}`);
  }
}
