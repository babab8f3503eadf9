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

/**
 * A payload that did not come through our encoder reached a process holding a key: accepting it
 * would let anyone who can start or signal a run (the Temporal CLI, a client without the key)
 * feed it input that nobody encrypted.
 */
export class UnencryptedPayloadError extends CodecError {
  override readonly name = 'UnencryptedPayloadError';
  constructor(
    /** The payload's `encoding` metadata, e.g. json/plain ('' when absent). */
    readonly encoding: string,
  ) {
    super(
      `refused a payload that arrived unencrypted (encoding ${JSON.stringify(encoding.slice(0, 40) || '(none)')}): ` +
        'this process holds a codec key (RLAIF_CODEC_KEY), so it accepts only payloads encrypted with it. ' +
        'Start runs with `rlaif start` or a client with the same RLAIF_CODEC_KEY, or give the Temporal CLI ' +
        '--codec-endpoint (see docs/security.md)',
    );
  }
}

/** Inflating the gzip payloads of one decode call would pass its budget (a compression bomb). */
export class InflateBudgetError extends CodecError {
  override readonly name = 'InflateBudgetError';
  constructor(
    /** The budget, in bytes, for all payloads of one call together. */
    readonly limit: number,
  ) {
    super(
      `the compressed payloads inflate to more than ${limit} bytes together; refused (a decode call, e.g. ` +
        'one codec server request, may inflate at most that much)',
    );
  }
}

/** The names of the errors above, for checks across the workflow sandbox where `instanceof` fails. */
export const CODEC_ERROR_NAMES: ReadonlySet<string> = new Set([
  'CodecError',
  'CodecKeyError',
  'UnknownKeyIdError',
  'PayloadIntegrityError',
  'UnencryptedPayloadError',
  'InflateBudgetError',
]);
