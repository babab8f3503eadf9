/**
 * The client-only plugin against a real run whose payloads the workers encrypt and offload to a
 * folder store: a client with `RlaifClientPlugin` reads them, builds no activities, and leaves the
 * store as it found it (opening it only for the payload it reads). The worker plugin builds its
 * store and activities only when a worker is configured with it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import * as activities from '../activities';
import { RlaifClientPlugin } from '../src/client-plugin';
import { startRun } from '../src/cli/runs';
import { createWorker } from '../src/cli/worker';
import { ENCRYPTED_ENCODING } from '../src/codec/encryption-codec';
import { parseRunConfig } from '../src/config/parse';
import { RlaifPlugin } from '../src/plugin';
import * as openStore from '../src/store/open-store';
import type { RunSummary } from '../workflows/run';
import { startTestServer, type TestServer } from './helpers/dev-server';
import { quietRuntime, smallConfig } from './helpers/run-env';

const CODEC_ENV = {
  RLAIF_CODEC_KEY: randomBytes(32).toString('base64'),
  RLAIF_CODEC_KEY_ID: 'client-plugin',
};
const THRESHOLD = 400;
const WORKFLOW_ID = 'client-plugin-1';

let dir: string;
let storeRoot: string;
let server: TestServer;
let worker: Worker;
let running: Promise<void>;
let connection: Connection;

/** Every file under `root`, relative, with its size: what a client must leave as it was. */
function listing(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .map((rel) => {
      const stat = fs.statSync(path.join(root, rel));
      return stat.isFile() ? `${rel} ${stat.size}` : `${rel}/`;
    })
    .sort();
}

beforeAll(async () => {
  quietRuntime();
  Object.assign(process.env, CODEC_ENV);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-client-plugin-'));
  storeRoot = path.join(dir, 'store');
  server = await startTestServer();
  worker = await createWorker(
    { address: server.address, namespace: 'default' },
    { plugin: { storeRoot, offloadPayloadsAbove: THRESHOLD } },
  );
  running = worker.run();
  connection = await Connection.connect({ address: server.address });
  // The run is started by a client with the worker plugin (its converter only: see below).
  const starter = new Client({
    connection,
    plugins: [new RlaifPlugin({ storeRoot, offloadPayloadsAbove: THRESHOLD })],
  });
  const config = parseRunConfig(smallConfig({ rounds: 1, name: 'client-plugin-marker' }));
  const handle = await startRun(starter, config, { workflowId: WORKFLOW_ID });
  await handle.result();
});
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  await server?.stop();
  for (const k of Object.keys(CODEC_ENV)) delete process.env[k];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("a client with the client plugin reads the run's encrypted, offloaded result and writes nothing", async () => {
  // The result is in the store, encrypted: history holds only its reference.
  const history = await new Client({ connection }).workflow.getHandle(WORKFLOW_ID).fetchHistory();
  const completed = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes);
  const result = completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  expect(result?.externalPayloads?.length).toBeGreaterThan(0);
  const payloadKeys = fs.readdirSync(path.join(storeRoot, 'payloads')).filter((f) => !f.includes('.'));
  expect(payloadKeys.length).toBeGreaterThan(0);
  const stored = temporal.api.common.v1.Payload.decode(
    fs.readFileSync(path.join(storeRoot, 'payloads', payloadKeys[0])),
  );
  expect(Buffer.from(stored.metadata.encoding!).toString()).toBe(ENCRYPTED_ENCODING);

  const before = listing(storeRoot);
  const opened = jest.spyOn(openStore, 'openArtifactStore');
  const built = jest.spyOn(activities, 'createActivities');
  try {
    const plugin = new RlaifClientPlugin({ storeRoot });
    const client = new Client({ connection, plugins: [plugin] });
    // The store is opened when an offloaded payload is read, not before.
    expect(opened).not.toHaveBeenCalled();
    const summary = (await client.workflow.getHandle(WORKFLOW_ID).result()) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.rounds).toBe(1);
    expect(summary.winRateVsInitial).toBeGreaterThan(0);
    expect(opened).toHaveBeenCalledTimes(1);
    expect(built).not.toHaveBeenCalled();
  } finally {
    opened.mockRestore();
    built.mockRestore();
  }
  expect(listing(storeRoot)).toEqual(before);
});

test('without the store, the same client cannot read the result: the plugin is what reads it', async () => {
  const client = new Client({
    connection,
    plugins: [new RlaifClientPlugin({ offloadPayloadsAbove: false })],
  });
  await expect(client.workflow.getHandle(WORKFLOW_ID).result()).rejects.toThrow(
    /externally stored payload.*external storage is not configured/,
  );
});

test('the client plugin exposes a converter only: no store, no activities, no worker hooks', async () => {
  const missing = path.join(dir, 'never-made');
  const plugin = new RlaifClientPlugin({ storeRoot: missing });
  expect(plugin.dataConverter?.payloadCodecs?.length).toBeGreaterThan(0);
  expect(plugin.dataConverter?.externalStorage).toBeDefined();
  for (const hook of ['configureWorker', 'configureReplayWorker', 'configureBundler', 'store', 'activities'])
    expect(hook in plugin).toBe(false);
  const client = new Client({ connection, plugins: [plugin] });
  expect(client.options.dataConverter.payloadCodecs).toBe(plugin.dataConverter?.payloadCodecs);
  // A client that reads no offloaded payload (a run's status) makes no store folder.
  expect((await client.workflow.getHandle(WORKFLOW_ID).describe()).status.name).toBe('COMPLETED');
  expect(fs.existsSync(missing)).toBe(false);
});

test('the worker plugin builds its store and activities only when a worker is configured', () => {
  const opened = jest.spyOn(openStore, 'openArtifactStore');
  const built = jest.spyOn(activities, 'createActivities');
  try {
    const plugin = new RlaifPlugin({ storeRoot: path.join(dir, 'worker-store') });
    new Client({ connection, plugins: [plugin] });
    expect(opened).not.toHaveBeenCalled();
    expect(built).not.toHaveBeenCalled();
    const options = plugin.configureWorker({
      taskQueue: 'q',
      activities: { mine: () => 1 },
    } as WorkerOptions);
    expect(built).toHaveBeenCalledTimes(1);
    expect(opened).toHaveBeenCalledTimes(1);
    expect(Object.keys(options.activities ?? {})).toEqual(expect.arrayContaining(['mine', 'rlaif.prepare']));
    // The store the activities use is the plugin's.
    expect(plugin.store.location).toBe(path.join(dir, 'worker-store'));
    expect(opened).toHaveBeenCalledTimes(1);
  } finally {
    opened.mockRestore();
    built.mockRestore();
  }
});
