/** Starting, resuming and inspecting runs through a Temporal client. */
import type {
  Client,
  WorkflowClient,
  WorkflowHandle,
  WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError, type ProtoFailure } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { decodeWith } from '../codec/chain';
import { CodecError } from '../codec/errors';
import { codecErrorName } from '../codec/failure-converter';
import { ConfigError } from '../config/errors';
import { parseRunConfig } from '../config/parse';
import type { RunConfig } from '../config/schema';
import { DEFAULT_TASK_QUEUE } from '../contracts';
import { runKeyFor } from '../store/artifact';
import type { RunSummary } from '../../workflows/run';
import {
  nextStep,
  roundOfWorkflowId,
  stageOfActivity,
  storyHeadline,
  storyMessage,
  storyOf,
  type FailureStory,
} from './failure-story';
import type { RunFailure } from '../../workflows/definitions';

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
  const [input] = await decodeWith(payloadCodecs, [payloads[0] as never]).catch((err: unknown) => {
    // A key that does not match, or an input started without the codec: say which run, without a stack.
    if (err instanceof CodecError)
      throw new ConfigError(`the input of workflow ${workflowId} cannot be read: ${err.message}`);
    throw err;
  });
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
 * A failed run's reason as a person reads it: where it failed (round, stage, activity), whether
 * retries were spent, the innermost failure's message (the one naming the file, line or field)
 * and what to do next, instead of "Workflow execution failed" and a client stack trace.
 * `failure` is the run's own account (its `progress` query), which knows the stage's id.
 * Undefined for errors that are not a run's failure.
 */
export function runFailureMessage(
  err: unknown,
  workflowId: string,
  failure?: RunFailure,
): string | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const story = storyOf(failure, err) as FailureStory;
  return `run ${workflowId} ${storyHeadline(story)}:\n${storyMessage(story)}\nnext: ${nextStep(story, workflowId)}`;
}

/** Something that keeps a running run from progressing, as `runStatus` finds it. */
export interface RunProblem {
  /** The execution it is in: the run, or one of its rounds. */
  workflowId: string;
  /** A workflow task (the workflow cannot take a step, nor answer queries) or an activity. */
  kind: 'workflow task' | 'activity';
  /** The activity's type, e.g. rlaif.judge. */
  activityType?: string;
  /**
   * For an activity: the attempt running or due next (the one after the failure). For a
   * workflow task: the attempt that failed last.
   */
  attempt?: number;
  /** The activity's attempts in all (its retry policy's maximum); absent when unlimited. */
  maximumAttempts?: number;
  /** When the activity's next attempt starts (epoch ms), while it waits out its backoff. */
  nextAttemptAt?: number;
  /** The failure's message (decoded with this client's key when it is encrypted). */
  message: string;
  /** What to do, when the cause is known (a codec key that does not match, a refused payload). */
  hint?: string;
}

const GRPC_NOT_FOUND = 5;

const KEY_MISMATCH_HINT =
  "a worker cannot decrypt this run's payloads: it holds another RLAIF_CODEC_KEY than the client that " +
  'started the run. Give every worker and client the same key (older ones in RLAIF_CODEC_OLD_KEYS); the ' +
  'run goes on once a worker with the right key takes the task';

const HINTS: Readonly<Record<string, string>> = {
  UnencryptedPayloadError:
    'a payload of this run arrived unencrypted (its input, or a signal or update sent without the codec), and ' +
    'workers holding RLAIF_CODEC_KEY refuse it on every retry, so the run cannot go on: terminate it ' +
    '(temporal workflow terminate -w <id>) and start it again with `rlaif start`, or `rlaif resume <id>` if ' +
    'its input was encrypted; send signals with `rlaif` or `temporal ... --codec-endpoint`',
  UnknownKeyIdError: KEY_MISMATCH_HINT,
  PayloadIntegrityError: KEY_MISMATCH_HINT,
};

/**
 * The failure as a person reads it: its type and message, and a hint for a codec error. The type
 * is an application failure's, else the error name its stack trace starts with: a workflow task
 * failure carries only message and stack.
 */
async function readFailure(
  workflows: WorkflowClient,
  failure: ProtoFailure,
): Promise<Pick<RunProblem, 'message' | 'hint'>> {
  let error: Error | undefined;
  try {
    error = await decodeOptionalFailureToOptionalError(workflows.options.loadedDataConverter, failure);
  } catch (err) {
    return {
      message: `${failure.message ?? ''} (this client cannot read the failure: ${(err as Error).message})`,
    };
  }
  const type =
    error instanceof ApplicationFailure && error.type
      ? error.type
      : /^([A-Za-z_]\w*): /.exec(error?.stack ?? '')?.[1];
  const hint = HINTS[codecErrorName(error) ?? type ?? ''];
  return {
    message: `${type && type !== 'Error' ? `${type}: ` : ''}${error?.message ?? failure.message ?? ''}`,
    ...(hint ? { hint } : {}),
  };
}

/**
 * The failure of the latest workflow task when none completed after it: the server records a
 * failing task once and then retries it without new events, for ever.
 */
async function failingWorkflowTask(
  workflows: WorkflowClient,
  workflowId: string,
): Promise<ProtoFailure | undefined> {
  const { history } = await workflows.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: workflows.options.namespace,
    execution: { workflowId },
    maximumPageSize: 100,
  });
  for (const event of history?.events ?? []) {
    if (event.workflowTaskCompletedEventAttributes) return undefined;
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed) return failed.failure ?? { message: 'the workflow task failed' };
  }
  return undefined;
}

/**
 * A run's status and, while it runs, what keeps it from progressing, in the run and in its
 * running rounds: a failing workflow task (a worker that cannot decode the input — a wrong codec
 * key, a refused plaintext payload — or a bug in workflow code) and activities retrying after a
 * failure. Otherwise only the worker's log would say why a run stays RUNNING. Decodes no payload
 * but failures, so a payload this client's key refuses cannot hide the reason.
 */
export async function runStatus(
  workflows: WorkflowClient,
  workflowId: string,
): Promise<{ status: string; problems: RunProblem[] }> {
  const described = await workflows.workflowService
    .describeWorkflowExecution({ namespace: workflows.options.namespace, execution: { workflowId } })
    .catch((err: unknown) => {
      if ((err as { code?: unknown }).code === GRPC_NOT_FOUND)
        throw new ConfigError(`no workflow with id ${workflowId}`);
      throw err;
    });
  const code = described.workflowExecutionInfo?.status ?? 0;
  const status = String(temporal.api.enums.v1.WorkflowExecutionStatus[code]).replace(
    'WORKFLOW_EXECUTION_STATUS_',
    '',
  );
  if (status !== 'RUNNING') return { status, problems: [] };
  const problems: RunProblem[] = [];
  const task = await failingWorkflowTask(workflows, workflowId);
  if (task) {
    const attempt = described.pendingWorkflowTask?.attempt ?? undefined;
    problems.push({
      workflowId,
      kind: 'workflow task',
      ...(attempt ? { attempt } : {}),
      ...(await readFailure(workflows, task)),
    });
  }
  for (const activity of described.pendingActivities ?? []) {
    if (!activity.lastFailure) continue;
    const nextAttemptAt = optionalTsToMs(activity.nextAttemptScheduleTime);
    problems.push({
      workflowId,
      kind: 'activity',
      activityType: activity.activityType?.name ?? '?',
      ...(activity.attempt ? { attempt: activity.attempt } : {}),
      ...(activity.maximumAttempts ? { maximumAttempts: activity.maximumAttempts } : {}),
      ...(nextAttemptAt ? { nextAttemptAt } : {}),
      ...(await readFailure(workflows, activity.lastFailure)),
    });
  }
  for (const child of described.pendingChildren ?? []) {
    if (!child.workflowId) continue;
    // A child being started may not exist yet; it has nothing to say then.
    const found = await runStatus(workflows, child.workflowId).catch(() => undefined);
    problems.push(...(found?.problems ?? []));
  }
  return { status, problems };
}

/** `in 8 s (07:41:02 UTC)`, or `now` when the time has come. */
function whenText(at: number, now: number): string {
  const s = Math.round((at - now) / 1000);
  const clock = new Date(at).toISOString().slice(11, 19);
  if (s <= 0) return 'now';
  return `in ${s >= 120 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`} (${clock} UTC)`;
}

/**
 * A problem as lines to print: for a retrying activity, where (round, stage), attempt n of m,
 * when the next try comes and the last error; for a workflow task, what fails and why; then the hint.
 */
export function problemLines(p: RunProblem, now = Date.now()): string[] {
  const hint = p.hint ? [`hint: ${p.hint}`] : [];
  if (p.kind === 'activity') {
    const round = roundOfWorkflowId(p.workflowId);
    const where = [
      ...(round !== undefined ? [`round ${round}`] : []),
      `stage ${stageOfActivity(p.activityType ?? '?')}`,
      `activity ${p.activityType}`,
    ].join(', ');
    const of = p.maximumAttempts ? ` of ${p.maximumAttempts}` : ' (no limit)';
    const attempt = p.attempt ?? 1;
    const when =
      p.nextAttemptAt !== undefined
        ? `attempt ${attempt}${of} ${whenText(p.nextAttemptAt, now)}`
        : `attempt ${attempt}${of} running`;
    return [`retrying ${where}: ${when}; last error: ${p.message}`, ...hint];
  }
  const attempt = p.attempt && p.attempt > 1 ? ` (attempt ${p.attempt})` : '';
  return [`failing: ${p.kind} of ${p.workflowId}${attempt}: ${p.message}`, ...hint];
}
