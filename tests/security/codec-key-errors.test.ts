/**
 * Runs that a codec key keeps from progressing, on a real dev server: a run started unencrypted
 * (`temporal workflow start --input`, as a hostile or careless user would) on a worker holding a
 * key, and a run on a worker holding the wrong key. The SDK fails the workflow task and the
 * server retries it, so the run stays RUNNING; the reason is in history in clear (the UI shows
 * it), and `rlaif status` and `rlaif start --wait` print it with a hint.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { runStatus, startedConfig, startRun, type RunProblem } from '../../src/cli/runs';
import { codecDataConverterFromEnv } from '../../src/codec/data-converter';
import { defaultKeyId, loadKeyring } from '../../src/codec/keys';
import { parseRunConfig } from '../../src/config/parse';
import { findTemporalCli } from '../../src/temporal-server/temporal-cli';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { runCli, waitFor } from '../helpers/worker-process';

const RIGHT = { RLAIF_CODEC_KEY: randomBytes(32).toString('base64') };
const WRONG = { RLAIF_CODEC_KEY: randomBytes(32).toString('base64') };
const rightId = loadKeyring(RIGHT)!.current.id;
const wrongId = loadKeyring(WRONG)!.current.id;
const MAIN = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');

let env: RunEnv; // its client has no codec: what anyone with access to the server sees
let client: Client; // with the right key, as `rlaif` builds it
let stopWrongWorker: () => Promise<void>;
let tmp: string;

beforeAll(async () => {
  env = await startRunEnv('enc');
  await env.startWorker({ dataConverter: codecDataConverterFromEnv(RIGHT)! });
  stopWrongWorker = await env.startWorker(
    { dataConverter: codecDataConverterFromEnv(WRONG)! },
    { taskQueue: 'wrong', activitiesOnly: false },
  );
  client = new Client({
    connection: env.client.connection,
    dataConverter: codecDataConverterFromEnv(RIGHT)!,
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-stuck-'));
});
afterAll(async () => {
  await env?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The run's problems once it has some. */
async function problemsOf(workflowId: string): Promise<RunProblem[]> {
  let found: RunProblem[] = [];
  await waitFor(
    `a problem in ${workflowId}`,
    async () => (found = (await runStatus(client.workflow, workflowId)).problems).length > 0,
    30000,
    200,
  );
  return found;
}

/** The failure messages of the run's WorkflowTaskFailed events, read without any codec (as the UI does). */
async function taskFailuresInHistory(workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const failed = e.workflowTaskFailedEventAttributes;
    return failed ? [failed.failure?.message ?? ''] : [];
  });
}

test('a run started unencrypted is refused by a worker holding a key; status says why and what to do', async () => {
  const input = JSON.stringify(parseRunConfig(smallConfig({ rounds: 1 })));
  await promisify(execFile)(findTemporalCli(), [
    ...['workflow', 'start', '--type', 'rlaifRun', '--task-queue', 'enc', '--workflow-id', 'plain-start'],
    ...['--input', input, '--address', env.server.address],
  ]);
  const [problem, ...others] = await problemsOf('plain-start');
  expect(others).toEqual([]);
  expect(problem).toMatchObject({ workflowId: 'plain-start', kind: 'workflow task' });
  expect(problem!.message).toMatch(
    /^UnencryptedPayloadError: refused a payload that arrived unencrypted \(encoding "json\/plain"\): this process holds a codec key/,
  );
  expect(problem!.hint).toMatch(/^a payload of this run arrived unencrypted/);

  // In history in clear (the UI shows it): the codec's errors are not encrypted with the key.
  expect((await taskFailuresInHistory('plain-start'))[0]).toMatch(
    /^refused a payload that arrived unencrypted/,
  );
  // The server retries the task; the run stays RUNNING and never ran a step.
  await waitFor(
    'a retry of the workflow task',
    async () => ((await runStatus(client.workflow, 'plain-start')).problems[0]?.attempt ?? 0) >= 2,
    30000,
    200,
  );
  const history = await env.client.workflow.getHandle('plain-start').fetchHistory();
  expect(history.events?.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);

  const status = await runCli(['status', 'plain-start', '--address', env.server.address], RIGHT);
  expect(status.stdout).toContain('plain-start: RUNNING\n');
  expect(status.stdout).toMatch(
    /\n {2}failing: workflow task of plain-start \(attempt \d+\): UnencryptedPayloadError: refused a payload that arrived unencrypted/,
  );
  expect(status.stdout).toContain('\n  hint: a payload of this run arrived unencrypted');
  const json = JSON.parse(
    (await runCli(['status', 'plain-start', '--json', '--address', env.server.address], RIGHT)).stdout,
  ) as {
    status: string;
    problems: RunProblem[];
  };
  expect(json.status).toBe('RUNNING');
  expect(json.problems[0]?.message).toContain('refused a payload that arrived unencrypted');
  // `rlaif resume` and `rlaif export` read the same input: they say why they cannot, too.
  await expect(startedConfig(client, 'plain-start')).rejects.toThrow(
    /^the input of workflow plain-start cannot be read: refused a payload that arrived unencrypted/,
  );
});

test('a worker with the wrong key: status and start --wait say so; a worker with the right key then finishes the run', async () => {
  const handle = await startRun(client, parseRunConfig(smallConfig({ rounds: 1 })), {
    workflowId: 'wrong-key',
    taskQueue: 'wrong',
  });
  const [problem] = await problemsOf('wrong-key');
  expect(problem!.message).toBe(
    `UnknownKeyIdError: payload was encrypted with key id "${rightId}", which this process does not have ` +
      `(known: "${wrongId}"); add that key to RLAIF_CODEC_OLD_KEYS as ${rightId}=<key>`,
  );
  expect(problem!.hint).toMatch(
    /^a worker cannot decrypt this run's payloads: it holds another RLAIF_CODEC_KEY/,
  );
  expect((await taskFailuresInHistory('wrong-key'))[0]).toContain(`key id "${rightId}"`);
  expect(defaultKeyId(loadKeyring(RIGHT)!.current.key)).toBe(rightId); // ids say nothing of the key

  // `rlaif start --wait` prints it where the user waits.
  const configFile = path.join(tmp, 'run.json');
  fs.writeFileSync(configFile, JSON.stringify(smallConfig({ rounds: 1 })));
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(MAIN)}).main(['node', 'rlaif', ...process.argv.slice(1)])`,
      ...['start', '--config', configFile, '--id', 'wrong-key-wait', '--task-queue', 'wrong', '--wait'],
      ...['--address', env.server.address],
    ],
    { env: { ...process.env, ...RIGHT }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitFor('start --wait to print the reason', () => err.includes('[rlaif] hint:'), 30000, 100);
    expect(err).toContain('[rlaif] failing: workflow task of wrong-key-wait');
    expect(err).toContain(`payload was encrypted with key id "${rightId}"`);
    expect(err).toContain("[rlaif] hint: a worker cannot decrypt this run's payloads");
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  await client.workflow.getHandle('wrong-key-wait').terminate('test done');

  // The run was only waiting: a worker with the right key takes the task and finishes it.
  await stopWrongWorker();
  await env.startWorker(
    { dataConverter: codecDataConverterFromEnv(RIGHT)! },
    { taskQueue: 'wrong', activitiesOnly: false },
  );
  expect(((await handle.result()) as RunSummary).status).toBe('completed');
  expect((await runStatus(client.workflow, 'wrong-key')).problems).toEqual([]);
});
