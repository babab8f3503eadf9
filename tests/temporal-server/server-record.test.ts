/** UI links come from where the UI really is: the caller, RLAIF_UI_URL, or the recorded dev server. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forgetServer, recordedUiUrl, recordServer } from '../../src/temporal-server/server-record';
import { workflowUiUrl } from '../../src/cli/summary';

let dir: string;
let savedHome: string | undefined;
let savedUi: string | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-record-'));
  savedHome = process.env.RLAIF_HOME;
  savedUi = process.env.RLAIF_UI_URL;
  process.env.RLAIF_HOME = dir;
  delete process.env.RLAIF_UI_URL;
});
afterEach(() => {
  for (const [k, v] of [
    ['RLAIF_HOME', savedHome],
    ['RLAIF_UI_URL', savedUi],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a recorded server's UI is found by its gRPC address, however loopback is spelled", () => {
  recordServer({ pid: process.pid, address: '127.0.0.1:17233', uiUrl: 'http://localhost:19000' });
  expect(recordedUiUrl('localhost:17233')).toBe('http://localhost:19000');
  expect(recordedUiUrl('127.0.0.1:17233')).toBe('http://localhost:19000');
  expect(recordedUiUrl('localhost:7233')).toBeUndefined();
  expect(recordedUiUrl('temporal.example:17233')).toBeUndefined();
  expect(workflowUiUrl('localhost:17233', 'default', 'run 1')).toBe(
    'http://localhost:19000/namespaces/default/workflows/run%201',
  );
  forgetServer(process.pid);
  expect(recordedUiUrl('localhost:17233')).toBeUndefined();
});

test('a recorded server that is gone gives no link, and none is guessed from the gRPC port', () => {
  const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
  recordServer({ pid: gone, address: '127.0.0.1:7233', uiUrl: 'http://localhost:8233' });
  expect(recordedUiUrl('localhost:7233')).toBeUndefined();
  expect(workflowUiUrl('localhost:7233', 'default', 'r')).toBeUndefined();
});

test('the caller and RLAIF_UI_URL come before the record', () => {
  recordServer({ pid: process.pid, address: '127.0.0.1:7233', uiUrl: 'http://localhost:8233' });
  process.env.RLAIF_UI_URL = 'https://ui.example/';
  expect(workflowUiUrl('localhost:7233', 'ns', 'r')).toBe('https://ui.example/namespaces/ns/workflows/r');
  expect(workflowUiUrl('localhost:7233', 'ns', 'r', 'http://localhost:9999')).toBe(
    'http://localhost:9999/namespaces/ns/workflows/r',
  );
});
