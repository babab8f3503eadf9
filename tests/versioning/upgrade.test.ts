/**
 * An upgrade in the middle of a run: a worker with the previous release's workflow code (a pinned
 * git commit) starts a run and is stopped part-way through round 2; a worker with the current
 * workflow code replays what the old code did and finishes the run. The figures must equal those
 * of a run done wholly on the current code, and the mixed histories must replay on it.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import type { RoundMetrics } from '../../src/contracts';
import { pauseUpdate, progressQuery, resumeUpdate, roundProgressQuery } from '../../workflows/definitions';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, workflowBundle, type RunEnv } from '../helpers/run-env';
import { waitFor } from '../helpers/worker-process';
import { bundleRelease, extractRelease, PREVIOUS_RELEASE, type ExtractedRelease } from './previous-release';
import { startReleaseWorker, type ReleaseWorker } from './release-worker';

const OLD_BUILD = `rlaif-workflows@${PREVIOUS_RELEASE.slice(0, 7)}`;
const ROUNDS = 3;

let env: RunEnv | undefined;
let release: ExtractedRelease | undefined;
let previousBundle: WorkflowBundleWithSourceMap;
let old: ReleaseWorker | undefined;

beforeAll(async () => {
  release = extractRelease();
  [env, previousBundle] = await Promise.all([startRunEnv(), bundleRelease(release), workflowBundle()]);
}, 60000);
afterAll(async () => {
  // A test that failed early leaves the old worker running; it must stop before its server does.
  await old?.stop().catch(() => undefined);
  await env?.stop();
  release?.remove();
});

/** The build id of each workflow task the execution completed, runs of equal ids collapsed. */
async function buildIdRuns(handle: WorkflowHandle): Promise<string[]> {
  const ids = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
    const attrs = e.workflowTaskCompletedEventAttributes;
    return attrs ? [attrs.workerVersion?.buildId ?? '(none)'] : [];
  });
  return ids.filter((id, i) => id !== ids[i - 1]);
}

const figures = (history: RoundMetrics[]) =>
  history.map(({ round, metrics }) => ({
    round,
    winRateVsInitial: metrics.winRateVsInitial,
    rewardModelAgreement: metrics.rewardModelAgreement,
    meanReward: metrics.meanReward,
    klToInitial: metrics.klToInitial,
  }));

test('a run started by the previous release finishes on the current workflow code', async () => {
  if (!env) throw new Error('the test environment did not start');
  const { client } = env;
  // The two bundles really differ: the previous release still has the per-report signal path.
  expect(previousBundle.code).toContain('throttled-progress-signals');
  expect((await workflowBundle()).code).not.toContain('throttled-progress-signals');
  const config = parseRunConfig(smallConfig({ rounds: ROUNDS }));

  // 1. The previous release runs round 1 and part of round 2, then is paused and shut down.
  old = await startReleaseWorker(env, previousBundle, OLD_BUILD);
  const handle = await startRun(client, config, { workflowId: 'upgrade-run' });
  const round2 = client.workflow.getHandle('upgrade-run-round-2');
  // A round of the previous release keeps its live stages to its own query, not its run's.
  await waitFor(
    'round 2 to finish its first batch',
    async () => {
      const stages = await round2.query(roundProgressQuery).catch(() => []);
      return stages.some((s) => s.batchesDone > 0);
    },
    60000,
    50,
  );
  expect((await handle.executeUpdate(pauseUpdate)).paused).toBe(true);
  // The paused round schedules nothing new; let its batches in flight finish on the old worker.
  await waitFor(
    'round 2 to have no activity in flight',
    async () => ((await round2.describe()).raw.pendingActivities ?? []).length === 0,
    60000,
    100,
  );
  const atStop = await handle.query(progressQuery);
  expect(atStop).toMatchObject({ status: 'paused', round: 2 });
  expect(atStop.history).toHaveLength(1);
  expect((await round2.describe()).status.name).toBe('RUNNING');
  await old.stop();

  // 2. What the old code did so far replays on the current code (a quick, clear failure if not);
  // then the current code takes over: it replays the old history to handle the resume update.
  const current = await workflowBundle();
  const replayOnCurrent = async (id: string) =>
    Worker.runReplayHistory(
      { workflowBundle: current },
      await client.workflow.getHandle(id).fetchHistory(),
      id,
    );
  for (const id of ['upgrade-run', 'upgrade-run-round-1', 'upgrade-run-round-2']) await replayOnCurrent(id);
  await env.startWorker();
  expect((await handle.executeUpdate(resumeUpdate)).paused).toBe(false);
  const summary = (await handle.result()) as RunSummary;
  expect(summary).toMatchObject({ status: 'completed', rounds: ROUNDS });
  expect(summary.history.map((h) => h.round)).toEqual([1, 2, 3]);
  for (const f of figures(summary.history)) {
    for (const value of Object.values(f)) expect(Number.isFinite(value)).toBe(true);
  }

  // 3. Both releases really worked on the run and on round 2, the old one first.
  const parentBuilds = await buildIdRuns(handle);
  const round2Builds = await buildIdRuns(round2);
  for (const builds of [parentBuilds, round2Builds]) {
    expect(builds).toHaveLength(2);
    expect(builds[0]).toBe(OLD_BUILD);
  }
  expect(await buildIdRuns(client.workflow.getHandle('upgrade-run-round-1'))).toEqual([OLD_BUILD]);
  expect(await buildIdRuns(client.workflow.getHandle('upgrade-run-round-3'))).not.toContain(OLD_BUILD);

  // 4. The finished, mixed histories replay on the current code, as a new worker would replay them.
  for (const id of ['upgrade-run', 'upgrade-run-round-1', 'upgrade-run-round-2', 'upgrade-run-round-3'])
    await replayOnCurrent(id);

  // 5. Same seed, same figures: the upgrade changed nothing a user sees in the results.
  const reference = (await (
    await startRun(client, config, { workflowId: 'reference-run' })
  ).result()) as RunSummary;
  expect(figures(summary.history)).toEqual(figures(reference.history));
}, 90000);
