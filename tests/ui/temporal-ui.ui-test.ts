/**
 * The Temporal Web UI tells the story of a finished run, checked in headless Chromium: the run's
 * static summary and current details, the stage activities of a round with their round, stage and
 * batch, its search attributes, and the workflows list filtered by them. Run by `npm run test:ui`
 * (not by `npm test`); screenshots go to `.rlaif/ui-screenshots/` or `$RLAIF_UI_SCREENSHOTS`.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { freePorts } from '../../src/temporal-server/dev-server';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { launchChromium } from './browser';
import { saveScreenshot, waitForTexts, workflowListPage, workflowPage } from './ui-pages';

const SHOTS =
  process.env.RLAIF_UI_SCREENSHOTS ?? path.resolve(__dirname, '..', '..', '..', '.rlaif', 'ui-screenshots');
const RUN = 'ui-checked';
const OTHER = 'ui-other';

let env: RunEnv;
let uiUrl: string;
let browser: Browser;
let page: Page;
let runId: string;
let summary: RunSummary;
const shots: string[] = [];

beforeAll(async () => {
  const [uiPort] = await freePorts(1);
  env = await startRunEnv('rlaif', { uiPort });
  uiUrl = env.server.uiUrl as string;
  // The worker stays up while the browser looks: the UI's current details come from a query.
  await env.startWorker();
  // Two runs of two configs, so that a filtered list must leave one out.
  const checked = await startRun(env.client, parseRunConfig(smallConfig({ name: 'ui-check', rounds: 2 })), {
    workflowId: RUN,
  });
  const other = await startRun(env.client, parseRunConfig(smallConfig({ name: 'ui-other', rounds: 1 })), {
    workflowId: OTHER,
  });
  [summary] = (await Promise.all([checked.result(), other.result()])) as [RunSummary, RunSummary];
  runId = checked.firstExecutionRunId;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await env?.stop();
  if (shots.length > 0) console.log(`Temporal UI screenshots:\n${shots.join('\n')}`);
});

test('the run page shows the static summary naming the config and the current details', async () => {
  expect(summary.status).toBe('completed');
  await page.goto(workflowPage(uiUrl, RUN, runId, 'user-metadata'));
  const win = (summary.winRateVsInitial as number).toFixed(3);
  await waitForTexts(page, [
    // Static summary and details, set when the run was started (the UI curls the quotes).
    /RLAIF run .ui-check.: classic preset, 2 rounds, seed 7/,
    'data: demo world, 32 train / 32 eval prompts',
    // Current details, the workflow's own account of where it is.
    'ui-check · completed',
    'round 2 of 2 · stage done',
    `last win rate vs initial: ${win}`,
    // The run's own activities and its round children, by their summaries.
    'prepare data and initial policy',
    'ui-check: round 1 of 2',
    'ui-check: round 2 of 2',
    'checkpoint after round 2',
  ]);
  shots.push(await saveScreenshot(page, SHOTS, 'run-summary-and-details'));
});

test("a round's history page shows each stage activity naming its round, stage and batch", async () => {
  const round = await env.client.workflow.getHandle(`${RUN}-round-1`).describe();
  await page.goto(workflowPage(uiUrl, `${RUN}-round-1`, round.runId, 'history'));
  // 32 prompts in batches of 8: four generate and four judge batches, then one activity per stage.
  const batches = [1, 2, 3, 4];
  await waitForTexts(page, [
    'Completed',
    ...batches.map((b) => `rlaif.generate • round 1 · generate batch ${b}/4`),
    ...batches.map((b) => `rlaif.judge • round 1 · judge batch ${b}/4`),
    'rlaif.trainReward • round 1 · train-reward',
    'rlaif.optimizePolicy • round 1 · optimize-policy',
    'rlaif.evaluate • round 1 · evaluate',
  ]);
  const timeline = page.getByText('Event History', { exact: true });
  shots.push(await saveScreenshot(page, SHOTS, 'round-1-history', timeline));
});

test('the run history page shows its rounds as child workflows', async () => {
  await page.goto(workflowPage(uiUrl, RUN, runId, 'history'));
  await waitForTexts(page, [
    'Completed',
    'rlaif.prepare • prepare data and initial policy',
    'ui-check: round 1 of 2',
    'ui-check: round 2 of 2',
    'rlaif.saveCheckpoint • checkpoint after round 2',
  ]);
  // The top of the page: status, input config and the result with the last round's figures.
  shots.push(await saveScreenshot(page, SHOTS, 'run-history'));
});

test('the search attributes tab shows status, round, stage and config', async () => {
  await page.goto(workflowPage(uiUrl, RUN, runId, 'search-attributes'));
  await waitForTexts(page, [
    '"RlaifConfig": "ui-check"',
    '"RlaifStatus": "completed"',
    '"RlaifRound": 2',
    '"RlaifStage": "done"',
  ]);
  shots.push(await saveScreenshot(page, SHOTS, 'run-search-attributes'));
});

test('the workflows list filtered by search attributes shows the run and leaves the other out', async () => {
  await page.goto(
    workflowListPage(uiUrl, 'RlaifConfig="ui-check" AND RlaifStatus="completed" AND RlaifRound=2'),
  );
  const row = page.getByRole('link', { name: RUN, exact: true });
  await row.waitFor({ timeout: 30_000 });
  const text = await waitForTexts(page, [/\b1\s+Workflow\b/, 'rlaifRun']);
  expect(text).not.toContain(OTHER);
  // Round children carry no search attributes of their own, so they are not listed either.
  expect(text).not.toContain(`${RUN}-round-1`);
  shots.push(await saveScreenshot(page, SHOTS, 'runs-by-search-attributes'));

  // The same list with the other config's name lists only the other run.
  await page.goto(workflowListPage(uiUrl, 'RlaifConfig="ui-other"'));
  await page.getByRole('link', { name: OTHER, exact: true }).waitFor({ timeout: 30_000 });
  expect(await page.getByRole('link', { name: RUN, exact: true }).count()).toBe(0);
});
