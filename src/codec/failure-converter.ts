/**
 * The failure converter used with the codec, loaded by path (`failureConverterPath`) because the
 * worker bundles it into the workflow sandbox too. It moves failure messages and stack traces
 * into an encoded payload, so an error that quotes a prompt or a file's line is encrypted like
 * any other payload instead of sitting in clear in history. Workflow-safe: no Node built-ins.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
