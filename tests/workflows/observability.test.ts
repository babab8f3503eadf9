/**
 * What an operator sees of a finished run without a browser: runs listed by their search
 * attributes with `temporal workflow list --query`, the static summary naming the config, the
 * current details, and activity summaries naming round, stage and batch. (tests/ui/ checks the
 * same in the Temporal UI itself.)
 */
import { execFileSync } from 'node:child_process';
import { defaultPayloadConverter } from '@temporalio/common';
import { queryProgress } from '../../src/cli/progress';
import { startRun } from '../../src/cli/runs';
import { roundProgressQuery } from '../../workflows/definitions';
import { parseRunConfig } from '../../src/config/parse';
import { findTemporalCli } from '../../src/temporal-server/temporal-cli';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';

let env: RunEnv;

beforeAll(async () => {
  env = await startRunEnv();
  await env.startWorker();
  // Two runs of two configs, so that every query must leave one out.
  const runs = await Promise.all([
    startRun(env.client, parseRunConfig(smallConfig({ name: 'obs-alpha', rounds: 1 })), {
      workflowId: 'obs-a',
    }),
    startRun(env.client, parseRunConfig(smallConfig({ name: 'obs-beta', rounds: 1 })), {
      workflowId: 'obs-b',
    }),
  ]);
  await Promise.all(runs.map((r) => r.result()));
});
afterAll(async () => {
  await env?.stop();
});

/** Workflow ids that `temporal workflow list --query` prints for `query`. */
function listed(query: string): string[] {
  const out = execFileSync(
    findTemporalCli(),
    [
      'workflow',
      'list',
      '--query',
      query,
      '--address',
      env.server.address,
      '--namespace',
      'default',
      '-o',
      'json',
    ],
    { encoding: 'utf8' },
  );
  const rows = JSON.parse(out) as Array<{ execution: { workflowId: string } }>;
  return rows.map((r) => r.execution.workflowId).sort();
}

test('temporal workflow list finds runs by config, status, round and stage', () => {
  expect(listed('RlaifConfig="obs-alpha" AND RlaifStatus="completed"')).toEqual(['obs-a']);
  expect(listed('RlaifConfig="obs-beta" AND RlaifRound=1 AND RlaifStage="done"')).toEqual(['obs-b']);
  // Both runs, and only the runs: round children carry no search attributes of their own.
  expect(listed('RlaifStatus="completed"')).toEqual(['obs-a', 'obs-b']);
  expect(listed('RlaifStatus="running"')).toEqual([]);
});

test('the run has a static summary naming its config and current details naming round and stage', async () => {
  const handle = env.client.workflow.getHandle('obs-a');
  const description = await handle.describe();
  expect(await description.staticSummary()).toBe('RLAIF run "obs-alpha": classic preset, 1 round, seed 7');
  // The UI reads current details with this built-in query (a worker answers it, even for closed runs).
  const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
  const lines = (metadata.currentDetails ?? '').split('  \n');
  expect(lines[0]).toBe('**obs-alpha** · completed');
  expect(lines[1]).toBe('round 1 of 1 · stage done');
  expect(lines[2]).toMatch(/^last win rate vs initial: \d\.\d{3}$/);
});

test('a round answers for its own stages, and the run shows how they ended', async () => {
  const stages = await env.client.workflow.getHandle('obs-a-round-1').query(roundProgressQuery);
  const names = ['generate', 'judge', 'train-reward', 'optimize-policy', 'evaluate'];
  expect(stages.map((st) => st.stage)).toEqual(names);
  for (const st of stages) {
    expect(st.batchesDone).toBe(st.batchesTotal);
    expect(st.finishedAt).toBeGreaterThanOrEqual(st.startedAt);
  }
  // A finished round: the watch shows the run's own view, which the round's result completed.
  const progress = await queryProgress(env.client.workflow.getHandle('obs-a'));
  expect(progress.stages.map((st) => st.stage)).toEqual(names);
  expect(progress.stages.every((st) => st.finishedAt !== undefined)).toBe(true);
});

test("each activity's summary names its round, stage and batch", async () => {
  const history = await env.client.workflow.getHandle('obs-a-round-1').fetchHistory();
  const summaries = (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => {
      const payload = e.userMetadata?.summary;
      return payload ? defaultPayloadConverter.fromPayload<string>(payload as never) : '(no summary)';
    });
  expect(summaries.length).toBeGreaterThan(0);
  for (const s of summaries) {
    expect(s).toMatch(/^round 1 · (generate|judge|train-reward|optimize-policy|evaluate)( batch \d+\/\d+)?$/);
  }
  // 32 prompts in batches of 8: four generate and four judge batches, one activity per other stage.
  expect(summaries.filter((s) => s.startsWith('round 1 · generate')).sort()).toEqual(
    [1, 2, 3, 4].map((b) => `round 1 · generate batch ${b}/4`),
  );
  expect(summaries.filter((s) => s.startsWith('round 1 · judge'))).toHaveLength(4);
  for (const stage of ['train-reward', 'optimize-policy', 'evaluate']) {
    expect(summaries).toContain(`round 1 · ${stage}`);
  }
  // The run's own history names each round child by config and round.
  const parent = await env.client.workflow.getHandle('obs-a').fetchHistory();
  const children = (parent.events ?? [])
    .filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)
    .map((e) => defaultPayloadConverter.fromPayload<string>(e.userMetadata?.summary as never));
  expect(children).toEqual(['obs-alpha: round 1 of 1']);
});
