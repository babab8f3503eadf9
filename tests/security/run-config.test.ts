/**
 * A run config is untrusted input: whoever can start a workflow in the namespace can send any
 * JSON, with `temporal workflow start --input-file` as easily as with `rlaif start`. Each probe
 * here is sent that way to a real `rlaif worker` process whose owner declared its endpoints,
 * trainers and data roots, and the test checks the clear, non-retryable refusal and that no
 * secret of the worker leaked: canary values are looked for in every history, the worker's
 * log, the artifact store and the trainer's environment.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { findTemporalCli } from '../../src/temporal-server/temporal-cli';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { historyText } from '../helpers/history-text';
import { failureChain } from '../helpers/failure-chain';
import { smallConfig } from '../helpers/run-env';
import { spawnWorker, waitFor, type WorkerProcess } from '../helpers/worker-process';

const run = promisify(execFile);
// Made up at run time: nothing key-like is committed, and each run checks fresh values.
const canary = (what: string) => `sk-${what}-CANARY-${randomBytes(10).toString('hex')}`;
const SECRETS = {
  AWS_SECRET_ACCESS_KEY: canary('aws'),
  RLAIF_TEST_KEY_A: canary('key-a'),
  RLAIF_TEST_KEY_B: canary('key-b'),
  RLAIF_TEST_WORKER_ONLY: canary('worker-only'),
};
const FILE_SECRET = canary('file');

let server: TestServer;
let client: Client;
let worker: WorkerProcess;
let dir: string;
let storeRoot: string;
let workerDir: string;
let listener: http.Server;
/** Requests the listener received, with their Authorization header. */
const received: string[] = [];

beforeAll(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-security-')));
  storeRoot = path.join(dir, 'store');
  workerDir = path.join(dir, 'worker');
  const dataRoot = path.join(dir, 'data');
  const trainerDir = path.join(dir, 'trainer');
  for (const d of [storeRoot, workerDir, dataRoot, trainerDir]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(dir, 'secret.txt'), `${FILE_SECRET}\n`);
  fs.writeFileSync(path.join(dataRoot, 'leak.jsonl'), `${FILE_SECRET}\n`);
  fs.writeFileSync(path.join(dataRoot, 'wrong-type.jsonl'), `{"id": 1, "prompt": ["${FILE_SECRET}"]}\n`);
  // A trainer that writes the environment it was given, then fails (the probe needs no training).
  fs.writeFileSync(
    path.join(trainerDir, 'env-dump.js'),
    "require('fs').writeFileSync('env.json', JSON.stringify(process.env)); process.exit(3);\n",
  );

  // A listener that answers 401 and echoes the bearer token it got, as some servers do.
  listener = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    received.push(auth);
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `invalid key ${auth.replace(/^Bearer /, '')}` } }));
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/v1`;

  const workerConfig = path.join(dir, 'worker.json');
  fs.writeFileSync(
    workerConfig,
    JSON.stringify({
      endpoints: {
        'judge-a': { baseURL: url, model: 'same-model', apiKeyEnv: 'RLAIF_TEST_KEY_A', timeoutMs: 2000 },
        'judge-b': { baseURL: url, model: 'same-model', apiKeyEnv: 'RLAIF_TEST_KEY_B', timeoutMs: 2000 },
      },
      trainers: {
        'env-dump': {
          command: [process.execPath, 'env-dump.js'],
          cwd: trainerDir,
          env: ['RLAIF_TEST_KEY_A'],
        },
      },
      dataRoots: { data: dataRoot },
    }),
  );
  server = await startTestServer();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  Object.assign(process.env, SECRETS); // inherited by the worker process
  worker = spawnWorker(server.address, storeRoot, {
    cwd: workerDir,
    extraArgs: ['--worker-config', workerConfig],
  });
  await waitFor('the worker to poll', () => worker.output().includes('worker polling'), 60_000, 50);
});

afterAll(async () => {
  for (const k of Object.keys(SECRETS)) delete process.env[k];
  await worker?.kill();
  await client?.connection.close();
  await server?.stop();
  await new Promise<void>((r) => (listener ? listener.close(() => r()) : r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts a run as anyone with namespace access can: the Temporal CLI and a JSON file. */
async function startWithTemporalCli(id: string, input: unknown): Promise<void> {
  const file = path.join(dir, `${id}.json`);
  fs.writeFileSync(file, JSON.stringify(input));
  await run(findTemporalCli(), [
    'workflow',
    'start',
    '--address',
    server.address,
    '--type',
    'rlaifRun',
    '--task-queue',
    'rlaif',
    '--workflow-id',
    id,
    '--input-file',
    file,
  ]);
}

/** The run's failure, its message chain, and the attempts its activities made. */
async function failureOf(id: string): Promise<{ message: string; attempts: Record<string, number[]> }> {
  const error = await client.workflow
    .getHandle(id)
    .result()
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const history = await client.workflow.getHandle(id).fetchHistory();
  const scheduled = new Map<string, string>();
  const attempts: Record<string, number[]> = {};
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const name = scheduled.get(String(started.scheduledEventId)) ?? '?';
      (attempts[name] ??= []).push(started.attempt ?? 0);
    }
  }
  return { message: failureChain(error), attempts };
}

test('a trainer command sent inline is refused at once and never runs', async () => {
  await startWithTemporalCli('sec-command', {
    ...smallConfig({ rounds: 1, preset: 'external' }),
    policy: { trainer: { command: ['/bin/sh', '-c', 'id > pwned.txt'] } },
  });
  const { message, attempts } = await failureOf('sec-command');
  expect(message).toContain('policy.trainer.command: the run config gives a command to run inline');
  expect(message).toContain('worker.json'); // where the worker's owner declares trainers
  expect(attempts).toEqual({ 'rlaif.prepare': [1] }); // non-retryable, before any work
  for (const where of [workerDir, storeRoot, dir])
    expect(fs.existsSync(path.join(where, 'pwned.txt'))).toBe(false);
});

test("an endpoint sent inline never receives the worker's key", async () => {
  const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/v1`;
  const before = received.length;
  await startWithTemporalCli('sec-endpoint', {
    ...smallConfig({ rounds: 1 }),
    endpoints: { steal: { baseURL: url, model: 'm', apiKeyEnv: 'AWS_SECRET_ACCESS_KEY' } },
    judge: { kind: 'llm', endpoint: 'steal' },
  });
  const { message, attempts } = await failureOf('sec-endpoint');
  expect(message).toContain(
    'endpoints.steal: the run config gives an endpoint (URL and key variable) inline',
  );
  expect(attempts).toEqual({ 'rlaif.prepare': [1] });
  expect(received.length).toBe(before); // not one request
});

test.each([
  [
    'a plain path',
    () => path.join(dir, 'secret.txt'),
    'is a path on the worker, but this worker reads files only from the data roots',
  ],
  ['a path out of its root', () => 'data:../secret.txt', 'must not contain ".."'],
  ['a root the worker lacks', () => 'etc:passwd', 'this worker has no data root named "etc" (it has "data")'],
])('a prompt file named by %s is refused without reading it', async (_, file, expected) => {
  const id = `sec-file-${expected.length}`;
  await startWithTemporalCli(id, {
    ...smallConfig({ rounds: 1 }),
    data: { kind: 'jsonl', trainFile: file(), evalFile: 'data:leak.jsonl' },
  });
  const { message, attempts } = await failureOf(id);
  expect(message).toContain(`data.trainFile: `);
  expect(message).toContain(expected);
  expect(attempts).toEqual({ 'rlaif.prepare': [1] });
});

test.each([
  ['not JSON', 'data:leak.jsonl', /leak\.jsonl:1:1: /],
  ['a field of the wrong type', 'data:wrong-type.jsonl', /wrong-type\.jsonl:1: /],
])('a data file that is %s fails naming file and line, never its content', async (_, file, expected) => {
  const id = `sec-content-${file.length}`;
  await startWithTemporalCli(id, {
    ...smallConfig({ rounds: 1 }),
    data: { kind: 'jsonl', trainFile: file, evalFile: file },
  });
  const { message } = await failureOf(id);
  expect(message).toMatch(expected);
  expect(message).not.toContain('CANARY');
  expect(await historyText(client, id)).not.toContain(FILE_SECRET.slice(0, 12));
});

test('a declared trainer runs with only its declared environment', async () => {
  await startWithTemporalCli('sec-trainer-env', {
    ...smallConfig({ rounds: 1, preset: 'external', policy: { trainer: { name: 'env-dump' } } }),
    timeouts: { maxAttempts: 1 },
  });
  const { message } = await failureOf('sec-trainer-env');
  expect(message).toContain('exited with code 3');
  const env = JSON.parse(fs.readFileSync(path.join(dir, 'trainer', 'env.json'), 'utf8')) as Record<
    string,
    string
  >;
  expect(env.RLAIF_TEST_KEY_A).toBe(SECRETS.RLAIF_TEST_KEY_A); // declared: passed on
  expect(env.PATH).toBeDefined();
  for (const name of [
    'AWS_SECRET_ACCESS_KEY',
    'RLAIF_TEST_KEY_B',
    'RLAIF_TEST_WORKER_ONLY',
    'TEMPORAL_ADDRESS',
  ])
    expect(env[name]).toBeUndefined();
  expect(Object.keys(env).sort()).toEqual(
    expect.arrayContaining(['PATH', 'RLAIF_TEST_KEY_A', 'RLAIF_TRAINER_SPEC']),
  );
});

test('sizes past their documented maximum are refused before any work', async () => {
  await startWithTemporalCli('sec-size', {
    ...smallConfig({ rounds: 1 }),
    data: { kind: 'demo', trainPrompts: 1e9 },
  });
  const { message, attempts } = await failureOf('sec-size');
  expect(message).toContain('data.trainPrompts');
  expect(message).toMatch(/200000/);
  expect(attempts).toEqual({});
});

test('two endpoints on one server with different keys keep their own governor, variable and redaction', async () => {
  const config = (endpoint: string) => ({
    ...smallConfig({ rounds: 1, judge: { kind: 'llm', endpoint } }),
  });
  await startWithTemporalCli('sec-key-a', config('judge-a'));
  const a = await failureOf('sec-key-a');
  await startWithTemporalCli('sec-key-b', config('judge-b'));
  const b = await failureOf('sec-key-b');
  // Each run's key reached the server, and each error names its own variable.
  expect(received).toEqual(
    expect.arrayContaining([`Bearer ${SECRETS.RLAIF_TEST_KEY_A}`, `Bearer ${SECRETS.RLAIF_TEST_KEY_B}`]),
  );
  expect(a.message).toContain('RLAIF_TEST_KEY_A');
  expect(b.message).toContain('RLAIF_TEST_KEY_B');
  expect(b.message).not.toContain('RLAIF_TEST_KEY_A');
  // The server echoed the key; the failure shows it redacted.
  for (const m of [a.message, b.message]) {
    expect(m).toContain('[redacted]');
    expect(m).not.toContain('CANARY');
  }
});

test('no secret of the worker is in any history, its log or the store', async () => {
  const { workflows } = { workflows: client.workflow.list() };
  const texts: string[] = [];
  for await (const wf of workflows) texts.push(await historyText(client, wf.workflowId));
  expect(texts.length).toBeGreaterThan(5);
  const files = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      return e.isDirectory() ? files(p) : [p];
    });
  const stored = files(storeRoot).map((f) => fs.readFileSync(f, 'latin1'));
  for (const secret of [...Object.values(SECRETS), FILE_SECRET]) {
    for (const t of texts) expect(t).not.toContain(secret);
    for (const s of stored) expect(s).not.toContain(secret);
    expect(worker.output()).not.toContain(secret);
  }
});
