/**
 * A run with the codec on its worker and client, against a real dev server: the server's stored
 * histories (the run and each round's child) hold only ciphertext outside search attributes, no
 * metric name, artifact reference or file path in clear, while the same histories decoded with
 * the key do hold them. Also: the Temporal CLI reads them through `rlaif codec-server`, and the
 * CLI's clients (status, the started config for resume and export) decrypt.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { startCodecServerFromCli } from '../../src/cli/codec-server';
import { startRun, startedConfig } from '../../src/cli/runs';
import { createWorker } from '../../src/cli/worker';
import { decodeWith } from '../../src/codec/chain';
import { createPayloadCodecs } from '../../src/codec/data-converter';
import { loadKeyring } from '../../src/codec/keys';
import { payloadsFromJson, type JsonPayload } from '../../src/codec/http-payloads';
import { parseRunConfig } from '../../src/config/parse';
import { connectClient, type ConnectionSettings } from '../../src/connection';
import { findTemporalCli } from '../../src/temporal-server/temporal-cli';
import { LocalArtifactStore } from '../../src/store/local-store';
import type { PromptRow, ResponseRow } from '../../src/stages/types';
import type { RunSummary } from '../../workflows/run';
import { startTestServer, type TestServer } from '../helpers/dev-server';
import { quietRuntime, smallConfig } from '../helpers/run-env';

const CODEC_ENV = {
  RLAIF_CODEC_KEY: randomBytes(32).toString('base64'),
  RLAIF_CODEC_KEY_ID: 'history-test',
};
// As the codec server decodes for display: search attributes and patch markers are plaintext by design.
const codecs = createPayloadCodecs(loadKeyring(CODEC_ENV)!, { unencrypted: 'pass' });
const b64 = (s: string) => Buffer.from(s).toString('base64');

let server: TestServer;
let settings: ConnectionSettings;
let worker: Worker;
let running: Promise<void>;
let client: Client; // with the codec, as the CLI makes it
let raw: Client; // without: what anyone with access to the server sees
let storeRoot: string;
let tmp: string;

beforeAll(async () => {
  quietRuntime();
  server = await startTestServer();
  settings = { address: server.address, namespace: 'default' };
  Object.assign(process.env, CODEC_ENV); // the worker and the CLI client read the key from here
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-codec-store-'));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), `rlaif-codec-${randomBytes(4).toString('hex')}-`));
  worker = await createWorker(settings, {
    plugin: { storeRoot, capabilities: { dataRoots: { inputs: fs.realpathSync(tmp) } } },
  });
  running = worker.run();
  client = await connectClient(settings);
  raw = new Client({ connection: await Connection.connect({ address: server.address }) });
});
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await client?.connection.close();
  await raw?.connection.close();
  await server?.stop();
  for (const k of Object.keys(CODEC_ENV)) delete process.env[k];
  for (const dir of [storeRoot, tmp]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface FoundPayload {
  at: string;
  payload: JsonPayload;
}

/** Every payload in a history as the server stores it (proto JSON: base64 metadata and data). */
function payloadsIn(value: unknown, at = ''): FoundPayload[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => payloadsIn(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const obj = value as Record<string, unknown>;
  if (typeof obj.metadata === 'object' && obj.metadata !== null && 'encoding' in obj.metadata) {
    return [{ at, payload: obj as JsonPayload }];
  }
  return Object.entries(obj).flatMap(([k, v]) => payloadsIn(v, `${at}.${k}`));
}

/** The stored history of one execution, read with no codec. */
async function storedHistory(workflowId: string): Promise<{ json: unknown; text: string }> {
  const text = JSON.stringify(await raw.workflow.getHandle(workflowId).fetchHistory());
  // Search the payload bytes as text too, the way someone reading the database would.
  const bytes = [...text.matchAll(/"(?:data|encoding)":"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1]!, 'base64').toString('utf8'),
  );
  return { json: JSON.parse(text), text: [text, ...bytes].join('\n') };
}

/** The same history's payloads decoded with the key, as JSON text. */
async function decodedText(json: unknown): Promise<string> {
  const found = payloadsIn(json).map((f) => f.payload);
  const decoded = await decodeWith(codecs, payloadsFromJson({ payloads: found }));
  return decoded.map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p))).join('\n');
}

/**
 * Payloads the server must read, so no codec touches them: search attributes (indexed for
 * listing), and the markers `patched()` records (the patch id, a name from the workflow code).
 */
const isServerVisible = (at: string) =>
  /\.(searchAttributes|upsertedSearchAttributes)\b|indexedFields|markerRecordedEventAttributes\.details\.patch-data/.test(
    at,
  );

/** Asserts every payload the server need not read is ciphertext under the test's key id; returns their count. */
function expectSealed(json: unknown): number {
  const sealed = payloadsIn(json).filter((f) => !isServerVisible(f.at));
  expect(
    sealed.filter((f) => f.payload.metadata?.encoding !== b64('binary/encrypted')).map((f) => f.at),
  ).toEqual([]);
  expect(new Set(sealed.map((f) => f.payload.metadata?.['encryption-key-id']))).toEqual(
    new Set([b64('history-test')]),
  );
  return sealed.length;
}

test('stored histories of the run and of each round hold no plaintext, and decode with the key', async () => {
  const handle = await startRun(client, parseRunConfig(smallConfig({ rounds: 2 })), {
    workflowId: 'codec-1',
  });
  const summary = (await handle.result()) as RunSummary;
  expect(summary.status).toBe('completed');
  expect(summary.history).toHaveLength(2);

  const store = new LocalArtifactStore(storeRoot);
  const prompts = await store.readJsonl<PromptRow>(
    (await store.get('runs/codec-1/prepare/train-prompts.jsonl'))!,
  );
  const responses = await store.readJsonl<ResponseRow>(
    (await store.get('runs/codec-1/round-0001/generate/batch-0000-of-0004.jsonl'))!,
  );
  // Every metric the run reported, by name (camelCase names such as winRateVsInitial).
  const metricNames = [...new Set(summary.history.flatMap((h) => Object.keys(h.metrics)))].filter(
    (n) => n.length >= 8,
  );
  expect(metricNames).toEqual(expect.arrayContaining(['winRateVsInitial', 'rewardModelAgreement']));

  for (const id of ['codec-1', 'codec-1-round-1', 'codec-1-round-2']) {
    const { json, text } = await storedHistory(id);
    expect(expectSealed(json)).toBeGreaterThan(id === 'codec-1' ? 5 : 20);
    const clear = await decodedText(json);
    for (const name of metricNames) {
      expect(text).not.toContain(name);
      expect(clear).toContain(name); // so the search above would have found it
    }
    const refs = ['store:runs/codec-1/', ...(id === 'codec-1' ? ['classic preset, 2 rounds, seed 7'] : [])];
    for (const ref of refs) {
      expect(text).not.toContain(ref);
      expect(clear).toContain(ref);
    }
    // Prompts and responses never enter history at all (claim check), encrypted or not.
    for (const p of prompts.slice(0, 10)) expect(`${text}\n${clear}`).not.toContain(p.prompt);
    for (const r of responses.filter((x) => x.response.split(' ').length >= 3).slice(0, 10)) {
      expect(`${text}\n${clear}`).not.toContain(r.response);
    }
  }

  // The CLI's client decrypts: the config a resume or an export reads from the start event...
  expect((await startedConfig(client, 'codec-1')).name).toBe('test-run');
  // ...which a client without the key cannot read.
  await expect(startedConfig(raw, 'codec-1')).rejects.toThrow();
});

test('failure messages are encrypted too; the client with the key reads them', async () => {
  const file = path.join(tmp, 'secret-prompts.jsonl');
  const line = (id: string, i: number) => JSON.stringify({ id, prompt: `describe the ocean ${i}` });
  fs.writeFileSync(file, [line('a', 1), line('b', 2), line('c', 3), line('b', 4)].join('\n'));
  const ref = 'inputs:secret-prompts.jsonl';
  const config = smallConfig({ rounds: 1, data: { kind: 'jsonl', trainFile: ref, evalFile: ref } });
  const handle = await startRun(client, parseRunConfig(config), { workflowId: 'codec-bad' });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  // The activity's failure, decrypted by the client: the message a person acts on is intact.
  expect(String(((error as WorkflowFailedError).cause?.cause as Error | undefined)?.message)).toContain(
    `${fs.realpathSync(file)}:4: duplicate id (first on line 2)`,
  );

  const { json, text } = await storedHistory('codec-bad');
  expect(expectSealed(json)).toBeGreaterThan(3);
  expect(text).not.toContain(path.basename(tmp)); // neither the path in the config nor in the error
  expect(text).not.toContain('duplicate id');
  expect(text).toContain('"message":"Encoded failure"');
  expect(await decodedText(json)).toContain(`${file}:4: duplicate id (first on line 2)`);
});

/** The CLI prints payload data as base64 even when decoded: add it as text. */
function withPayloadText(out: string): string {
  const data = [...out.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1]!, 'base64').toString(),
  );
  return [out, ...data].join('\n');
}

test('the Temporal CLI shows ciphertext without the codec server and clear data through it', async () => {
  const token = randomBytes(16).toString('hex');
  const codecServer = await startCodecServerFromCli(
    { port: 0, host: '127.0.0.1', origin: 'http://localhost:8233', authEnv: 'TEST_CODEC_TOKEN', auth: true },
    { ...CODEC_ENV, TEST_CODEC_TOKEN: token },
    () => undefined,
  );
  const show = (...extra: string[]) =>
    promisify(execFile)(
      findTemporalCli(),
      [
        'workflow',
        'show',
        '-w',
        'codec-1-round-1',
        '--address',
        server.address,
        '--output',
        'json',
        ...extra,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    ).then((r) => withPayloadText(r.stdout));
  try {
    const plain = await show();
    expect(plain).not.toContain('winRateVsInitial');
    const decoded = await show('--codec-endpoint', codecServer.url, '--codec-auth', `Bearer ${token}`);
    expect(decoded).toContain('winRateVsInitial');
    expect(decoded).toContain('store:runs/codec-1/');
    // A wrong token gets nothing decoded.
    const denied = await show('--codec-endpoint', codecServer.url, '--codec-auth', 'Bearer wrong').catch(
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    expect(denied).not.toContain('winRateVsInitial');
  } finally {
    await codecServer.close();
  }
});

test('rlaif status reads the encrypted progress with the key from its environment', async () => {
  const main = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
  const status = (env: NodeJS.ProcessEnv) =>
    new Promise<string>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(main)}).main(['node', 'rlaif', ...process.argv.slice(1)])`,
          ...['status', 'codec-1', '--json', '--address', server.address],
        ],
        { env: { ...env, PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', () => resolve(out));
    });
  const withKey = JSON.parse(await status(CODEC_ENV)) as {
    status: string;
    progress?: { history: unknown[] };
  };
  expect(withKey.status).toBe('COMPLETED');
  expect(withKey.progress?.history).toHaveLength(2);
  // Without the key the CLI cannot read the progress the workflow returns.
  const withoutKey = JSON.parse(await status({})) as { progress?: unknown };
  expect(withoutKey.progress).toBeUndefined();
});
