/**
 * End to end through the command line, as a user would: `rlaif worker`, `rlaif start --wait`,
 * `temporal workflow start`, `rlaif status`, and a bad config.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { findTemporalCli } from '../../src/temporal-server/temporal-cli';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { smallConfig } from '../helpers/run-env';
import { runCli, spawnWorker, type WorkerProcess } from '../helpers/worker-process';

let server: TestServer;
let worker: WorkerProcess;
let dir: string;
let configFile: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-e2e-'));
  worker = spawnWorker(server.address, path.join(dir, 'store'));
  configFile = path.join(dir, 'small.json');
  fs.writeFileSync(configFile, JSON.stringify(smallConfig({ rounds: 2 }), null, 2));
});
afterAll(async () => {
  await worker?.kill();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });

test('start --wait shows progress and prints the summary line', async () => {
  const ui = { RLAIF_UI_URL: 'http://ui.example:8080' };
  const out = await runCli(['start', '--config', configFile, '--id', 'e2e-1', '--wait'], { ...env(), ...ui });
  expect(out.stderr).toContain('[rlaif] started e2e-1');
  expect(out.code).toBe(0);
  const summary = JSON.parse(out.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
  expect(summary).toMatchObject({ workflowId: 'e2e-1', status: 'completed', rounds: 2 });
  expect(typeof summary.winRateVsInitial).toBe('number');
  expect(summary.winRateCI).toHaveLength(2);
  expect(typeof summary.rewardModelAgreement).toBe('number');
  // The demo world's gold standard: the last round's gold win rate, its interval, and the judge's
  // agreement with gold.
  expect(typeof summary.goldWinRate).toBe('number');
  expect(summary.goldWinRateCI).toHaveLength(2);
  expect(typeof summary.judgeGoldAgreement).toBe('number');
  expect(summary.uiUrl).toBe('http://ui.example:8080/namespaces/default/workflows/e2e-1');

  const watched = await runCli(['watch', 'e2e-1'], env());
  expect(watched.code).toBe(0);
  expect(watched.stdout).not.toContain('\u001b'); // a pipe gets no escape codes
  expect(watched.stdout).toContain('round 2: win rate vs initial');
  expect(watched.stdout.trim().split('\n').pop()).toBe('e2e-1: completed, 2 rounds');

  const status = await runCli(['status', 'e2e-1', '--json'], env());
  const parsed = JSON.parse(status.stdout) as { status: string; progress: { history: unknown[] } };
  expect(parsed.status).toBe('COMPLETED');
  expect(parsed.progress.history).toHaveLength(2);

  const text = await runCli(['status', 'e2e-1'], env());
  expect(text.stdout).toMatch(
    /round 2: win rate \d\.\d{3}, gold win rate \d\.\d{3}, judge–gold agreement \d\.\d{3}/,
  );
});

test('a run started with the Temporal CLI runs on the same worker', async () => {
  const temporal = findTemporalCli();
  const common = ['--address', server.address, '--namespace', 'default'];
  execFileSync(temporal, [
    'workflow',
    'start',
    '--type',
    'rlaifRun',
    '--task-queue',
    'rlaif',
    '--workflow-id',
    'e2e-cli',
    '--input-file',
    configFile,
    ...common,
  ]);
  const result = execFileSync(
    temporal,
    ['workflow', 'result', '--workflow-id', 'e2e-cli', '--output', 'json', ...common],
    {
      encoding: 'utf8',
    },
  );
  expect(result).toContain('"status": "completed"');
});

test('a bad config fails before anything starts, naming the file, the field and what was expected', async () => {
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ rounds: 'three', generate: { temperature: -1 } }));
  const out = await runCli(['start', '--config', bad, '--wait'], env());
  expect(out.code).toBe(2);
  expect(out.stderr).toContain(bad);
  expect(out.stderr).toContain('rounds: Invalid input: expected number, received string');
  expect(out.stderr).toContain('generate.temperature');
  const broken = path.join(dir, 'broken.json');
  fs.writeFileSync(broken, '{\n  "rounds": 2,\n  "seed": 1,,\n}');
  const out2 = await runCli(['start', '--config', broken], env());
  expect(out2.code).toBe(2);
  expect(out2.stderr).toMatch(
    new RegExp(
      `${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:13: not valid JSON: expected a property name in double quotes`,
    ),
  );
});
