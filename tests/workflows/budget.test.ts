/**
 * A token budget on a run whose judge is an LLM over HTTP: at the cap the run pauses (it does
 * not fail) and goes on after the raiseBudget update, or ends when told to stop.
 */
import { queryProgress } from '../../src/cli/progress';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { startLocalModelServer } from '../../src/model-server/local-model-server';
import { progressQuery, raiseBudgetUpdate, stopAfterRoundUpdate } from '../../workflows/definitions';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { waitFor } from '../helpers/worker-process';

let env: RunEnv;
let server: Awaited<ReturnType<typeof startLocalModelServer>>;

beforeAll(async () => {
  env = await startRunEnv();
  server = await startLocalModelServer({ port: 0 });
  await env.startWorker({
    capabilities: { endpoints: { judge: { baseURL: server.url, model: 'local-judge' } } },
  });
});
afterAll(async () => {
  await server?.close();
  await env?.stop();
});

const budgeted = (maxTokens: number) =>
  parseRunConfig(
    smallConfig({
      rounds: 2,
      judge: { kind: 'llm', endpoint: 'judge' },
      budget: { maxTokens },
    }),
  );

test('at the cap the run pauses with its spend in the query, and a raised budget lets it finish', async () => {
  const handle = await startRun(env.client, budgeted(100), { workflowId: 'budget-1' });
  await waitFor(
    'the budget pause',
    async () => (await handle.query(progressQuery)).status === 'budget-exhausted',
    60000,
    200,
  );
  // The run has the spend and the wait; the round, its stages (the waiting one last).
  const paused = await queryProgress(handle);
  expect(paused.spend.tokens).toBeGreaterThanOrEqual(100);
  expect(paused.history).toHaveLength(0); // stopped inside round 1, after judging
  expect(paused.stages.map((s) => s.stage)).toContain('judge');
  expect(paused.stage).toBe('train-reward');
  await new Promise((r) => setTimeout(r, 1500));
  expect((await handle.query(progressQuery)).status).toBe('budget-exhausted'); // still holding
  const raised = await handle.executeUpdate(raiseBudgetUpdate, { args: [{ maxTokens: 10_000_000 }] });
  expect(raised.budget?.maxTokens).toBe(10_000_000);
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  expect(summary.rounds).toBe(2);
  const final = await handle.query(progressQuery);
  const judged = summary.history.reduce(
    (s, h) => s + h.metrics.judgePromptTokens! + h.metrics.judgeCompletionTokens!,
    0,
  );
  expect(final.spend.tokens).toBeGreaterThanOrEqual(judged);
});

test('a run at its cap that is told to stop ends as stopped, keeping no partial round', async () => {
  const handle = await startRun(env.client, budgeted(100), { workflowId: 'budget-2' });
  await waitFor(
    'the budget pause',
    async () => (await handle.query(progressQuery)).status === 'budget-exhausted',
    60000,
    200,
  );
  await handle.executeUpdate(stopAfterRoundUpdate);
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('stopped');
  expect(summary.rounds).toBe(0);
});
