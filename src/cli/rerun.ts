/**
 * `rlaif rerun <id> --from-round N`: the run recomputed from round N with today's worker code,
 * in a namespace of its own. Rounds before N are reused from the old run (see src/run/rerun.ts);
 * the old run and its artifacts are left as they are.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ConfigError } from '../config/errors';
import { runKeyFor } from '../store/artifact';
import { startedConfig, startRun } from './runs';

/** A workflow id for a rerun: the original's, the round, and the time, so reruns never collide. */
export function rerunWorkflowId(workflowId: string, fromRound: number, now = new Date()): string {
  const base = workflowId.replace(/-rerun-r\d+-\d{8}T\d{6}$/, '');
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `${base}-rerun-r${fromRound}-${stamp}`;
}

export async function rerunRun(
  client: Client,
  workflowId: string,
  fromRound: number,
  opts: { taskQueue?: string; newWorkflowId?: string } = {},
): Promise<WorkflowHandle> {
  const config = await startedConfig(client, workflowId);
  if (!Number.isInteger(fromRound) || fromRound < 1 || fromRound > config.rounds) {
    throw new ConfigError(`--from-round must be a round of the run, 1 to ${config.rounds}; got ${fromRound}`);
  }
  const id = opts.newWorkflowId ?? rerunWorkflowId(workflowId, fromRound);
  return startRun(
    client,
    {
      ...config,
      runKey: runKeyFor(id),
      rerunOf: { runKey: config.runKey ?? runKeyFor(workflowId), fromRound },
    },
    {
      workflowId: id,
      ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
      memo: { rerunOf: { workflowId, fromRound } },
      summary: `RLAIF run "${config.name}" recomputed from round ${fromRound} of ${workflowId}`,
    },
  );
}
