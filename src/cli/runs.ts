/** Starting, resuming and inspecting runs through a Temporal client. */
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ChildWorkflowFailure, WorkflowNotFoundError } from '@temporalio/common';
import { decodeWith } from '../codec/chain';
import { ConfigError } from '../config/errors';
import { parseRunConfig } from '../config/parse';
import type { RunConfig } from '../config/schema';
import { DEFAULT_TASK_QUEUE } from '../contracts';
import { runKeyFor } from '../store/artifact';
import type { RunSummary } from '../../workflows/run';

export interface StartOptions {
  workflowId?: string;
  taskQueue?: string;
  memo?: Record<string, unknown>;
  summary?: string;
}

/** A workflow id from the config name and the time, when the user gives none. */
export function defaultWorkflowId(config: RunConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `rlaif-${config.name.replace(/[^A-Za-z0-9_-]+/g, '-')}-${stamp}`;
}

/** Starts `rlaifRun` with a validated config. */
export async function startRun(
  client: Client,
  config: RunConfig,
  opts: StartOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const workflowId = opts.workflowId ?? defaultWorkflowId(config);
  return client.workflow.start('rlaifRun', {
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId,
    args: [config],
    staticSummary:
      opts.summary ??
      `RLAIF run "${config.name}": ${config.preset} preset, ${config.rounds} round${config.rounds === 1 ? '' : 's'}, seed ${config.seed}`,
    // Markdown in the UI, in a frame about four lines high: hard line breaks (two spaces).
    staticDetails: [
      `preset: ${config.preset} · rounds: ${config.rounds} · seed: ${config.seed}`,
      `judge: ${config.judge.kind} (position bias ${config.judge.positionBias}, swap order ${config.judge.swapOrder})`,
      config.data.kind === 'demo'
        ? `data: demo world, ${config.data.trainPrompts} train / ${config.data.evalPrompts} eval prompts`
        : `data: ${config.data.trainFile} (train), ${config.data.evalFile} (eval)`,
    ].join('  \n'),
    ...(opts.memo ? { memo: opts.memo } : {}),
  });
}

/** The config a workflow was started with, read from its first history event. */
export async function startedConfig(client: Client, workflowId: string): Promise<RunConfig> {
  const handle = client.workflow.getHandle(workflowId);
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payloads = started?.input?.payloads ?? [];
  if (payloads.length === 0) throw new ConfigError(`workflow ${workflowId} has no input to resume from`);
  // History holds payloads as stored: decode them (decrypt, decompress) before converting.
  const { payloadConverter, payloadCodecs } = client.options.loadedDataConverter;
  const [input] = await decodeWith(payloadCodecs, [payloads[0] as never]);
  const raw = payloadConverter.fromPayload(input as never);
  return parseRunConfig(raw, `input of workflow ${workflowId}`);
}

const RESUMABLE = new Set(['FAILED', 'TERMINATED', 'CANCELLED', 'TIMED_OUT']);

/**
 * Continues a failed, terminated or cancelled run as a new execution on the same run key:
 * the new execution loads the last checkpoint and finds every committed batch.
 */
export async function resumeRun(
  client: Client,
  workflowId: string,
  opts: { taskQueue?: string } = {},
): Promise<WorkflowHandle> {
  let status: string;
  let runId: string;
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    status = description.status.name;
    runId = description.runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ConfigError(`no workflow with id ${workflowId}`);
    throw err;
  }
  if (status === 'RUNNING') {
    throw new ConfigError(
      `workflow ${workflowId} is still running; nothing to resume (see "rlaif status ${workflowId}")`,
    );
  }
  if (!RESUMABLE.has(status)) {
    throw new ConfigError(
      `workflow ${workflowId} is ${status}; only failed, terminated, cancelled or timed-out runs can be resumed`,
    );
  }
  const config = await startedConfig(client, workflowId);
  const runKey = config.runKey ?? runKeyFor(workflowId);
  const base = workflowId.replace(/-resume-\d+$/, '');
  const attempt = Number(/-resume-(\d+)$/.exec(workflowId)?.[1] ?? '0') + 1;
  return startRun(
    client,
    { ...config, runKey },
    {
      workflowId: `${base}-resume-${attempt}`,
      ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
      memo: { resumedFrom: { workflowId, runId, status } },
      summary: `RLAIF run "${config.name}" resumed from ${workflowId} (${status.toLowerCase()})`,
    },
  );
}

/** Waits for a run's result. */
export function runResult(handle: WorkflowHandle): Promise<RunSummary> {
  return handle.result() as Promise<RunSummary>;
}

/**
 * A failed run's reason as a person reads it: the innermost failure's message (the one naming
 * the file, line or field) and where it happened, instead of "Workflow execution failed" and a
 * client stack trace. Undefined for errors that are not a run's failure.
 */
export function runFailureMessage(err: unknown, workflowId: string): string | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const path: string[] = [];
  let message = err.message;
  let retry: string | undefined;
  for (let cause = err.cause; cause; cause = (cause as Error & { cause?: Error }).cause) {
    if (cause instanceof ChildWorkflowFailure) path.push(`workflow ${cause.execution.workflowId}`);
    else if (cause instanceof ActivityFailure) {
      path.push(`activity ${cause.activityType}`);
      retry =
        cause.retryState === 'NON_RETRYABLE_FAILURE'
          ? 'not retried: a retry cannot fix it'
          : cause.retryState === 'MAXIMUM_ATTEMPTS_REACHED'
            ? 'after its last attempt'
            : undefined;
    }
    message = cause.message;
  }
  const where = path.length > 0 ? ` in ${path.join(' > ')}${retry ? ` (${retry})` : ''}` : '';
  return `run ${workflowId} failed${where}:\n${message}`;
}
