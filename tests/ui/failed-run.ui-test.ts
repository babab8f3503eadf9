/**
 * The Temporal Web UI tells the story of runs whose judge endpoint is dead, in headless Chromium:
 * while the judge retries, the round's page shows the retrying activity, its attempt of how many
 * and the last error, and the round's details say which round and stage (the run's point at the
 * round); once a run's attempts are spent, its page says which round and stage failed and why,
 * its search attributes list it as failed, and its round's history names the failed batches.
 * Run by `npm run test:ui`; screenshots go where temporal-ui.ui-test.ts puts its own.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { freePorts } from '../../src/temporal-server/dev-server';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { waitFor } from '../helpers/worker-process';
import { launchChromium } from './browser';
import { saveScreenshot, waitForTexts, workflowPage } from './ui-pages';

jest.setTimeout(400_000);

const SHOTS =
  process.env.RLAIF_UI_SCREENSHOTS ?? path.resolve(__dirname, '..', '..', '..', '.rlaif', 'ui-screenshots');
/** Retries for minutes (20 attempts, backoff growing to 30 s), so the browser sees it retrying. */
const RETRYING = 'ui-retrying-judge';
/** Spends its 2 attempts within seconds and fails. */
const FAILED = 'ui-dead-judge';
const REFUSED = /ECONNREFUSED/;

let env: RunEnv;
let uiUrl: string;
let browser: Browser;
let page: Page;
const runIds = new Map<string, string>();
let failed: Promise<unknown>;
const shots: string[] = [];

const deadJudgeConfig = (name: string, maxAttempts: number) =>
  parseRunConfig(
    smallConfig({
      name,
      rounds: 2,
      judge: { kind: 'llm', endpoint: 'judge', batchSize: 64 },
      timeouts: { heartbeatSeconds: 30, maxAttempts },
    }),
  );

beforeAll(async () => {
  const [uiPort, deadPort] = await freePorts(2);
  env = await startRunEnv('rlaif', { uiPort });
  uiUrl = env.server.uiUrl as string;
  // Nothing listens on deadPort: each request is refused, a transient error the judge retries.
  await env.startWorker({
    capabilities: { endpoints: { judge: { baseURL: `http://127.0.0.1:${deadPort}/v1`, model: 'judge' } } },
  });
  const retrying = await startRun(env.client, deadJudgeConfig('ui-retrying', 20), { workflowId: RETRYING });
  const failing = await startRun(env.client, deadJudgeConfig('ui-dead', 2), { workflowId: FAILED });
  runIds.set(RETRYING, retrying.firstExecutionRunId);
  runIds.set(FAILED, failing.firstExecutionRunId);
  failed = failing.result().then(
    () => new Error('the run completed'),
    (err: unknown) => err,
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await env?.client.workflow
    .getHandle(RETRYING)
    .terminate('test over')
    .catch(() => undefined);
  await env?.stop();
  if (shots.length > 0) console.log(`Temporal UI screenshots:\n${shots.join('\n')}`);
});

/** The run id of a round workflow, once it exists. */
async function roundRunId(workflowId: string): Promise<string> {
  return (await env.client.workflow.getHandle(workflowId).describe()).runId;
}

test('a retrying round shows the activity, its attempt of how many and the last error; the details say where', async () => {
  const round = `${RETRYING}-round-1`;
  await waitFor(
    'the judge to retry',
    async () => {
      const d = await env.client.workflow
        .getHandle(round)
        .describe()
        .catch(() => undefined);
      const pending = d?.raw.pendingActivities ?? [];
      return pending.some((a) => a.activityType?.name === 'rlaif.judge' && (a.attempt ?? 0) >= 2);
    },
    300_000,
    500,
  );
  const roundRun = await roundRunId(round);
  await page.goto(workflowPage(uiUrl, round, roundRun, 'pending-activities'));
  await waitForTexts(page, ['Running', 'rlaif.judge', /Attempt\s+\d+ of 20/, /\d+ remaining/, REFUSED]);
  shots.push(await saveScreenshot(page, SHOTS, 'retrying-round-pending-activities'));

  // Which round and stage: the round's own details; the run's point at the round.
  await page.goto(workflowPage(uiUrl, round, roundRun, 'user-metadata'));
  await waitForTexts(page, [/Round 1 of 2 · stage judge · batch 0 of \d+ done/]);
  shots.push(await saveScreenshot(page, SHOTS, 'retrying-round-details'));
  await page.goto(workflowPage(uiUrl, RETRYING, runIds.get(RETRYING) as string, 'user-metadata'));
  await waitForTexts(page, ['ui-retrying · running', `round 1 of 2 · stages in ${round}`]);
  shots.push(await saveScreenshot(page, SHOTS, 'retrying-run-details'));
});

test("a failed run's page says which round and stage failed, and why", async () => {
  await failed;
  const runId = runIds.get(FAILED) as string;
  await page.goto(workflowPage(uiUrl, FAILED, runId, 'user-metadata'));
  const details = await waitForTexts(page, ['ui-dead · failed', /failed in round 1 · judge: \S/]);
  expect(details).toMatch(REFUSED);
  shots.push(await saveScreenshot(page, SHOTS, 'failed-run-details'));

  await page.goto(workflowPage(uiUrl, FAILED, runId, 'search-attributes'));
  await waitForTexts(page, ['"RlaifStatus": "failed"', '"RlaifRound": 1']);
  shots.push(await saveScreenshot(page, SHOTS, 'failed-run-search-attributes'));

  // The round's history: it failed, and its judge batches are named by round, stage and batch.
  const round = `${FAILED}-round-1`;
  await page.goto(workflowPage(uiUrl, round, await roundRunId(round), 'history'));
  await waitForTexts(page, ['Failed', /rlaif\.judge • round 1 · judge batch 1\/\d+/]);
  const timeline = page.getByText('Event History', { exact: true });
  shots.push(await saveScreenshot(page, SHOTS, 'failed-round-history', timeline));
});
