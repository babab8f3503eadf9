/**
 * The failure converter used with the codec, loaded by path (`failureConverterPath`) because the
 * worker bundles it into the workflow sandbox too. It moves failure messages and stack traces
 * into an encoded payload, so an error that quotes a prompt or a file's line is encrypted like
 * any other payload instead of sitting in clear in history. Workflow-safe: no Node built-ins.
 *
 * Codec errors stay in clear: a worker that cannot decode (a wrong key, a refused plaintext
 * input) would otherwise encrypt the reason with the very key that does not match, and neither
 * `rlaif status` nor the UI could read why the run is stuck. Their messages are ours and name
 * only key ids and encodings, which are in clear in payload metadata anyway.
 */
import {
  DefaultFailureConverter,
  type FailureConverter,
  type PayloadConverter,
  type ProtoFailure,
  type SerializationContext,
} from '@temporalio/common';
import { CODEC_ERROR_NAMES } from './errors';

/** The name of the codec error that is the error or one of its causes (by failure type once wrapped). */
export function codecErrorName(err: unknown): string | undefined {
  let e = err as { name?: unknown; type?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 16; depth++, e = e.cause as typeof e) {
    for (const name of [e.type, e.name]) if (CODEC_ERROR_NAMES.has(String(name))) return String(name);
  }
  return undefined;
}

class CodecFailureConverter implements FailureConverter {
  private readonly sealed = new DefaultFailureConverter({ encodeCommonAttributes: true });
  private readonly clear = new DefaultFailureConverter();

  errorToFailure(err: unknown, payloads: PayloadConverter, context?: SerializationContext): ProtoFailure {
    return (codecErrorName(err) ? this.clear : this.sealed).errorToFailure(err, payloads, context);
  }

  /** Reads both forms: encoded attributes when present, the clear message otherwise. */
  failureToError(failure: ProtoFailure, payloads: PayloadConverter, context?: SerializationContext): Error {
    return this.sealed.failureToError(failure, payloads, context);
  }
}

export const failureConverter: FailureConverter = new CodecFailureConverter();
