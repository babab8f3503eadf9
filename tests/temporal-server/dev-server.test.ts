import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { isServerReachable, startDevServer } from '../../src/temporal-server/dev-server';
import { SEARCH_ATTRIBUTES } from '../../src/temporal-server/search-attributes';
import { RLAIF_CONFIG, RLAIF_ROUND, RLAIF_STAGE, RLAIF_STATUS } from '../../workflows/definitions';
import { startTestServer, useTestServer, type TestServer } from '../helpers/dev-server';

const { IndexedValueType } = temporal.api.enums.v1;
const INDEXED_TYPES: Record<string, number> = {
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
};

describe('SEARCH_ATTRIBUTES', () => {
  it('are the keys the workflows set', () => {
    const keys = [RLAIF_ROUND, RLAIF_STAGE, RLAIF_STATUS, RLAIF_CONFIG].map(({ name, type }) => [name, type]);
    const registered = Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, type.toUpperCase()]);
    expect(keys.sort()).toEqual(registered.sort());
  });
});

describe('startDevServer', () => {
  const server = useTestServer();

  it('answers on gRPC with the RLAIF search attributes registered', async () => {
    expect(await isServerReachable(server().address)).toBe(true);
    const connection = await Connection.connect({ address: server().address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: server().namespace,
      });
      for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
        expect({ name, type: customAttributes?.[name] }).toEqual({ name, type: INDEXED_TYPES[type] });
      }
    } finally {
      await connection.close();
    }
  });

  it('is not reachable once stopped, and its temporary folder is gone', async () => {
    const other = await startTestServer();
    await other.stop();
    expect(other.process.exitCode !== null || other.process.signalCode !== null).toBe(true);
    expect(await isServerReachable(other.address, 1000)).toBe(false);
    expect(fs.existsSync(path.dirname(other.dbFile))).toBe(false);
  });

  it('refuses a port that is already in use', async () => {
    await expect(startDevServer({ port: server().port, uiPort: false })).rejects.toThrow(
      `cannot start the Temporal dev server: ${server().address} (its gRPC port) is already in use`,
    );
  });

  it('fails with the tail of the server log when the server exits', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-baddb-'));
    try {
      // A folder where the SQLite file should be: the server cannot open its database and exits.
      await expect(startDevServer({ dbFile: dir, uiPort: false })).rejects.toThrow(
        /exited with code 1\n--- server log \(last lines\) ---\n.*unable to open database file/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a detached dev server', () => {
  it('keeps running after the process that started it exits', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-detached-'));
    const logFile = path.join(dir, 'server.log');
    const script =
      `require(${JSON.stringify(require.resolve('../../src/temporal-server/dev-server'))})` +
      `.startDevServer({ detached: true, uiPort: false, logFile: ${JSON.stringify(logFile)} })` +
      '.then((s) => console.log(JSON.stringify({ address: s.address, pid: s.process.pid })));';
    // The starter must exit on its own: a detached server does not hold its event loop open.
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 60_000 });
    const { address, pid } = JSON.parse(stdout) as { address: string; pid: number };
    try {
      expect(await isServerReachable(address)).toBe(true);
      expect(fs.existsSync(logFile)).toBe(true);
    } finally {
      process.kill(pid, 'SIGTERM');
      while (await isServerReachable(address, 500)) await new Promise((r) => setTimeout(r, 200));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a dev server restarted on the same SQLite file', () => {
  let dir: string;
  let running: TestServer | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-restart-'));
  });
  afterAll(async () => {
    await running?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the workflows started before the restart', async () => {
    const dbFile = path.join(dir, 'temporal.sqlite');
    const workflowId = 'restart-keeps-history';

    running = await startTestServer({ dbFile });
    let connection = await Connection.connect({ address: running.address });
    // No worker polls this task queue, so the workflow stays RUNNING with its first events only.
    await new Client({ connection }).workflow.start('NoSuchWorkflow', {
      taskQueue: 'no-worker',
      workflowId,
    });
    await connection.close();
    await running.stop();
    running = undefined;

    running = await startTestServer({ dbFile });
    connection = await Connection.connect({ address: running.address });
    try {
      const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      expect(description.type).toBe('NoSuchWorkflow');
    } finally {
      await connection.close();
    }
  });
});
