/**
 * A run whose judge endpoint is dead, through the command line: while the judge retries,
 * `status` and `start --wait` say which round, stage and activity retry, attempt n of m, when
 * the next try comes and the last error; once its attempts are spent, `--wait`, `status` and
 * `report` say where and why it failed and what to do next, `status` even with no worker left.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '../../src/temporal-server/dev-server';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { smallConfig } from '../helpers/run-env';
import { runCli, spawnWorker, waitFor, type WorkerProcess } from '../helpers/worker-process';

jest.setTimeout(300_000);

let server: TestServer;
let worker: WorkerProcess;
let dir: string;
let configFile: string;
const ID = 'dead-judge';

beforeAll(async () => {
  server = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-failed-run-'));
  // Nothing listens on this port: every request is refused, a transient error that is retried.
  const [deadPort] = await freePorts(1);
  const workerConfig = path.join(dir, 'worker.json');
  fs.writeFileSync(
    workerConfig,
    JSON.stringify({
      endpoints: { judge: { baseURL: `http://127.0.0.1:${deadPort}/v1`, model: 'local-judge' } },
    }),
  );
  worker = spawnWorker(server.address, path.join(dir, 'store'), {
    extraArgs: ['--worker-config', workerConfig],
  });
  configFile = path.join(dir, 'dead-judge.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify(
      smallConfig({
        rounds: 2,
        judge: { kind: 'llm', endpoint: 'judge', batchSize: 64 },
        timeouts: { heartbeatSeconds: 10, maxAttempts: 3 },
      }),
    ),
  );
});
afterAll(async () => {
  await worker?.kill();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', RLAIF_HOME: dir });
const RETRYING =
  /retrying round 1, stage judge, activity rlaif\.judge: attempt ([23]) of 3 (in \d+ s \(\d\d:\d\d:\d\d UTC\)|now|running); last error: \S/;

test('retrying, then failed: where, why and what next, in status, --wait and report', async () => {
  const waiting = runCli(['start', '--config', configFile, '--id', ID, '--wait'], env());

  let retrying = '';
  await waitFor(
    'status to show the judge retrying',
    async () => {
      const out = await runCli(['status', ID], env());
      if (RETRYING.test(out.stdout)) retrying = out.stdout;
      return retrying !== '' || /FAILED/.test(out.stdout);
    },
    240_000,
    1000,
  );
  expect(retrying).toMatch(new RegExp(`^${ID}: RUNNING\\n`));
  expect(retrying).toMatch(RETRYING);

  const waited = await waiting;
  expect(waited.code).toBe(1);
  expect(waited.stderr).toMatch(new RegExp(`\\[rlaif\\] ${RETRYING.source}`));
  expect(waited.stderr).toContain(
    `rlaif: run ${ID} failed in round 1, stage judge, activity rlaif.judge (after its last attempt):\n`,
  );
  expect(waited.stderr).toContain(
    `\nnext: once the cause is gone (an endpoint answers again, a worker has room), "rlaif resume ${ID}"`,
  );
  expect(waited.stderr).not.toMatch(/^\s+at /m);

  const status = await runCli(['status', ID], env());
  expect(status.stdout).toMatch(new RegExp(`^${ID}: FAILED\\n`));
  expect(status.stdout).toContain(
    '  failed in round 1, stage judge, activity rlaif.judge (after its last attempt): ',
  );
  expect(status.stdout).toContain(`  next: once the cause is gone`);
  expect(status.stdout).toContain('0 of 2 rounds completed');

  const out = path.join(dir, 'report');
  const report = await runCli(['report', ID, '--out', out], env());
  expect(report.code).toBe(0);
  const written = JSON.parse(report.stdout) as { status: string; failure: string; next: string };
  expect(written.status).toBe('FAILED');
  expect(written.failure).toMatch(
    /^failed in round 1, stage judge, activity rlaif\.judge \(after its last attempt\): /,
  );
  expect(written.next).toContain(`"rlaif resume ${ID}"`);
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  expect(html).not.toContain('run status: running');
  expect(html).toContain('failed in round 1, stage judge, activity rlaif.judge (after its last attempt)');
  expect(html).toContain('No round completed before the run ended, so there is nothing to chart.');
  expect(fs.readdirSync(out).filter((f) => f.endsWith('.png'))).toEqual([]);

  // With no worker to answer queries, the failure is read from the run's history.
  await worker.kill();
  const alone = await runCli(['status', ID], env());
  expect(alone.stdout).toContain(
    '  failed in round 1, stage judge, activity rlaif.judge (after its last attempt): ',
  );
  expect(alone.stdout).toContain(`"rlaif resume ${ID}"`);
});
