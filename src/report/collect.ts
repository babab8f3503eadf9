/**
 * Gathers a report's data from Temporal: the run's per-round metrics (from its result when it
 * completed, else its `progress` query, else its round workflows' results when no worker
 * answers queries) and the time of every stage from the round workflows' histories.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { queryProgress } from '../cli/progress';
import { startedConfig } from '../cli/runs';
import { closedRunStory, nextStep, storyOf } from '../cli/failure-story';
import { ConfigError } from '../config/errors';
import type { RoundMetrics, RoundResult } from '../contracts';
import type { RunProgress } from '../../workflows/definitions';
import type { RunSummary } from '../../workflows/run';
import { stageTimesOf, type StageOfInput } from './stage-times';
import type { ReportData, StageTime } from './types';

/** The workflow id of a run's round `round` (as `rlaifRun` starts it). */
export const roundWorkflowId = (runId: string, round: number): string => `${runId}-round-${round}`;

export interface CollectOptions {
  /** How long to wait for the progress query before reading round results instead. */
  queryTimeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function describeOrUndefined(handle: WorkflowHandle) {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Metrics of every completed round workflow, read from their results (no worker needed). */
async function roundResults(client: Client, workflowId: string): Promise<RoundMetrics[]> {
  const rounds: RoundMetrics[] = [];
  for (let r = 1; ; r++) {
    const handle = client.workflow.getHandle<() => Promise<RoundResult>>(roundWorkflowId(workflowId, r));
    const description = await describeOrUndefined(handle);
    if (!description) break;
    if (description.status.name !== 'COMPLETED') break;
    const result = await handle.result();
    if (result.abandoned) break;
    rounds.push({ round: r, metrics: result.metrics });
  }
  return rounds;
}

export async function collectReport(
  client: Client,
  workflowId: string,
  options: CollectOptions = {},
): Promise<ReportData> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await describeOrUndefined(handle);
  if (!description)
    throw new ConfigError(`no workflow with id ${workflowId} in namespace ${client.options.namespace}`);
  const notes: string[] = [];
  const data: ReportData = {
    workflowId,
    executionStatus: description.status.name,
    rounds: [],
    stageTimes: [],
    source: '',
    notes,
    generatedAt: new Date().toISOString(),
  };
  try {
    const config = await startedConfig(client, workflowId);
    data.name = config.name;
    data.roundsPlanned = config.rounds;
  } catch (err) {
    notes.push(`the run's config could not be read: ${(err as Error).message}`);
  }

  if (description.status.name === 'COMPLETED') {
    const summary = (await handle.result()) as RunSummary;
    data.rounds = summary.history;
    data.runStatus = summary.status;
    data.source = 'run result';
  } else {
    let progress: RunProgress | undefined;
    try {
      progress = await withTimeout(queryProgress(handle), options.queryTimeoutMs ?? 10_000, 'progress query');
    } catch (err) {
      notes.push(
        `the progress query failed (${(err as Error).message}); metrics read from the round workflows`,
      );
    }
    if (description.status.name !== 'RUNNING') {
      // The run's account names the stage's id; the history's failure says how retries ended,
      // and is there even when no worker answers the query.
      const fromHistory = await closedRunStory(handle);
      const story = progress?.failure ? storyOf(progress.failure) : undefined;
      const failure = story ? { ...fromHistory, ...story } : fromHistory;
      if (failure) {
        data.failure = failure;
        data.next = nextStep(failure, workflowId);
      }
    }
    if (progress) {
      data.rounds = progress.history;
      data.runStatus = progress.status;
      data.roundsPlanned = progress.rounds;
      data.source = 'progress query';
      if (description.status.name === 'RUNNING' && progress.round > (progress.history.at(-1)?.round ?? 0)) {
        data.current = {
          round: progress.round,
          stage: progress.stage,
          batchesDone: progress.batchesDone,
          batchesTotal: progress.batchesTotal,
        };
      }
    } else {
      data.rounds = await roundResults(client, workflowId);
      data.source = 'round results';
    }
  }
  data.stageTimes = await collectStageTimes(
    client,
    workflowId,
    data.rounds.map((r) => r.round),
    notes,
  );
  return data;
}

async function collectStageTimes(
  client: Client,
  workflowId: string,
  rounds: number[],
  notes: string[],
): Promise<StageTime[]> {
  const converter = client.options.loadedDataConverter;
  const stageOf: StageOfInput = async (input) => {
    if (!input?.payloads?.length) return undefined;
    const first = await decodeFromPayloadsAtIndex<unknown>(converter, 0, input.payloads);
    const id = (first as { stageId?: unknown } | null)?.stageId;
    return typeof id === 'string' ? id : undefined;
  };
  const times: StageTime[] = [];
  const missing: number[] = [];
  for (const round of rounds) {
    try {
      const history = await client.workflow.getHandle(roundWorkflowId(workflowId, round)).fetchHistory();
      times.push(...(await stageTimesOf(round, history.events ?? [], stageOf)));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      missing.push(round);
    }
  }
  if (missing.length > 0) {
    // A resumed run's earlier rounds ran under the old workflow id; retention may also have deleted them.
    notes.push(
      `no stage times for round(s) ${missing.join(', ')}: their round workflows (${roundWorkflowId(workflowId, missing[0] as number)}, ...) are not in the namespace`,
    );
  }
  return times;
}
