/**
 * `rlaif report` against a real dev server and a real run whose judge is an LLM behind the
 * OpenAI protocol (the project's local model server, with a price table, so tokens and cost are
 * recorded): a report while the run is paused mid-way, then one after it completed. The CSVs
 * must hold the run's own figures, the stage times must fit inside the round workflows, and the
 * page must show every chart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spendOf } from '../../src/budget';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import type { RoundMetrics } from '../../src/contracts';
import { buildFigures } from '../../src/report/figures';
import { pngSize } from '../../src/report/png';
import { startLocalModelServer } from '../../src/model-server/local-model-server';
import { pauseUpdate, progressQuery, resumeUpdate } from '../../workflows/definitions';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { waitFor } from '../helpers/worker-process';
import { runCli } from '../helpers/worker-process';
import { parseCsv } from './csv-parse';

let env: RunEnv;
let models: Awaited<ReturnType<typeof startLocalModelServer>>;
let dir: string;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  env = await startRunEnv();
  models = await startLocalModelServer({ port: 0 });
  stopWorker = await env.startWorker({
    capabilities: {
      endpoints: {
        judge: {
          baseURL: models.url,
          model: 'local-judge',
          price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
        },
      },
    },
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-report-e2e-'));
});
afterAll(async () => {
  await models?.close();
  await env?.stop();
  // RLAIF_KEEP_REPORT=1 keeps the folders to look at the charts.
  if (!process.env.RLAIF_KEEP_REPORT) fs.rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`report folders kept in ${dir}\n`);
});

const STAGES = ['generate', 'judge', 'train-reward', 'optimize-policy', 'evaluate'];
const HEADLINE = [
  'winRateVsInitial',
  'winRateLow',
  'winRateHigh',
  'meanReward',
  'klToInitial',
  'flipRate',
  'evalFlipRate',
  'rewardModelAgreement',
  'judgePromptTokens',
  'judgeCost',
];

async function report(id: string, out: string) {
  const res = await runCli(['report', id, '--out', out], { TEMPORAL_ADDRESS: env.server.address });
  if (res.code !== 0) throw new Error(`rlaif report failed (${res.code}): ${res.stderr}`);
  const summary = JSON.parse(res.stdout.trim()) as { status: string; rounds: number; files: string[] };
  const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');
  return {
    summary,
    rounds: parseCsv(read('rounds.csv')),
    stages: parseCsv(read('stage-times.csv')),
    html: read('index.html'),
  };
}

/** Every recorded figure of the run's rounds is in rounds.csv, exactly. */
function expectSameFigures(csv: Array<Record<string, string>>, history: RoundMetrics[]) {
  expect(csv.map((r) => Number(r.round))).toEqual(history.map((h) => h.round));
  history.forEach((h, i) => {
    const row = csv[i]!;
    for (const key of HEADLINE) {
      expect(h.metrics[key]).toEqual(expect.any(Number));
      expect(Number(row[key])).toBe(h.metrics[key]);
    }
    expect(Number(row.tokens)).toBe(spendOf(h.metrics).tokens);
    expect(Number(row.tokens)).toBeGreaterThan(0);
    expect(Number(row.cost)).toBeCloseTo(spendOf(h.metrics).cost, 12);
    expect(Number(row.cost)).toBeGreaterThan(0);
  });
}

test('a report of a paused run shows the rounds done so far; a report of the finished run shows all', async () => {
  const id = 'report-e2e';
  const config = smallConfig({
    rounds: 3,
    judge: { kind: 'llm', endpoint: 'judge', batchSize: 8 },
  });
  const handle = await startRun(env.client, parseRunConfig(config), { workflowId: id });
  await waitFor(
    'round 1 to finish',
    async () => (await handle.query(progressQuery)).history.length >= 1,
    90_000,
    50,
  );
  await handle.executeUpdate(pauseUpdate);

  const live = await report(id, path.join(dir, 'live'));
  const afterLive = await handle.query(progressQuery);
  expect(live.summary.status).toBe('RUNNING');
  expect(live.rounds.length).toBeGreaterThanOrEqual(1);
  expect(live.rounds.length).toBeLessThan(3);
  // A paused round may finish the activities already running, so the history can only have grown.
  expectSameFigures(live.rounds, afterLive.history.slice(0, live.rounds.length));
  expect(live.html).toContain(`${live.rounds.length} of 3 rounds completed`);
  expect(live.html).toContain('run status: paused');

  await handle.executeUpdate(resumeUpdate);
  const result = (await handle.result()) as { history: RoundMetrics[] };
  const done = await report(id, path.join(dir, 'done'));
  const progress = await handle.query(progressQuery);
  expect(done.summary.status).toBe('COMPLETED');
  expect(progress.history).toHaveLength(3);
  expectSameFigures(done.rounds, progress.history);
  expectSameFigures(done.rounds, result.history);

  // Every stage of every round has a time, inside its round workflow's lifetime.
  for (const round of [1, 2, 3]) {
    const rows = done.stages.filter((s) => Number(s.round) === round);
    expect(rows.map((s) => s.stage).sort()).toEqual([...STAGES].sort());
    const child = await env.client.workflow.getHandle(`${id}-round-${round}`).describe();
    const lifetime = (child.closeTime!.getTime() - child.startTime.getTime()) / 1000;
    for (const s of rows) {
      expect(Number(s.seconds)).toBeGreaterThan(0);
      expect(Number(s.seconds)).toBeLessThanOrEqual(lifetime);
      expect(Date.parse(s.startedAt)).toBeGreaterThanOrEqual(child.startTime.getTime());
    }
    // 32 train prompts in batches of 8.
    expect(rows.find((s) => s.stage === 'generate')!.activities).toBe('4');
  }

  // The page shows and links every chart; each PNG is a real image.
  for (const figure of buildFigures({ rounds: [], stageTimes: [] } as never)) {
    const png = `${figure.id}.png`;
    expect(done.summary.files).toContain(png);
    expect(done.html).toContain(`href="${png}"`);
    expect(pngSize(fs.readFileSync(path.join(dir, 'done', png))).width).toBeGreaterThan(0);
  }
  expect(done.html).not.toContain('no endpoint usage recorded');
  expect(done.html).toContain('3 of 3 rounds completed');
});

test('with no worker to answer the progress query, a terminated run is reported from its round workflows', async () => {
  const id = 'report-terminated';
  const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 3 })), { workflowId: id });
  await waitFor(
    'round 1 to finish',
    async () => (await handle.query(progressQuery)).history.length >= 1,
    90_000,
    50,
  );
  await handle.terminate('report test');
  await stopWorker();
  const res = await runCli(['report', id, '--out', path.join(dir, 'terminated'), '--query-timeout', '1500'], {
    TEMPORAL_ADDRESS: env.server.address,
  });
  expect(res.stderr).toBe('');
  expect(JSON.parse(res.stdout)).toMatchObject({ status: 'TERMINATED', source: 'round results' });
  const rows = parseCsv(fs.readFileSync(path.join(dir, 'terminated', 'rounds.csv'), 'utf8'));
  // The termination cut the running round short: only the rounds before it are complete.
  expect(rows.length).toBeGreaterThanOrEqual(1);
  expect(rows.length).toBeLessThan(3);
  for (const row of rows) {
    const result = await env.client.workflow.getHandle(`${id}-round-${row.round}`).result();
    const metrics = (result as { metrics: Record<string, number> }).metrics;
    expect(Number(row.winRateVsInitial)).toBe(metrics.winRateVsInitial);
    expect(Number(row.klToInitial)).toBe(metrics.klToInitial);
  }
  const next = await env.client.workflow
    .getHandle(`${id}-round-${rows.length + 1}`)
    .describe()
    .then(
      (d) => d.status.name as string,
      () => 'not started',
    );
  expect(['TERMINATED', 'not started']).toContain(next);
  const html = fs.readFileSync(path.join(dir, 'terminated', 'index.html'), 'utf8');
  expect(html).toContain('the progress query failed');
  expect(html).toContain('no endpoint usage recorded');
});

test('a report of a workflow that does not exist fails with a clear message', async () => {
  const res = await runCli(['report', 'no-such-run', '--out', path.join(dir, 'none')], {
    TEMPORAL_ADDRESS: env.server.address,
  });
  expect(res.code).toBe(2);
  expect(res.stderr).toBe('rlaif: no workflow with id no-such-run in namespace default\n');
  expect(fs.existsSync(path.join(dir, 'none'))).toBe(false);
});
