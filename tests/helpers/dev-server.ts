/** Jest helpers that give workflow tests their own Temporal dev server on free ports. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/temporal-server/dev-server';

/** A dev server for one test file; `stop()` also removes the temporary folder it created. */
export interface TestServer extends DevServer {
  /** The SQLite file of the server. */
  dbFile: string;
}

/**
 * Starts a headless dev server on free ports with a SQLite file in a new temporary folder (or
 * `options.dbFile`, which the caller then owns, e.g. to restart a server on the same data).
 */
export async function startTestServer(options: DevServerOptions = {}): Promise<TestServer> {
  const ownDir = options.dbFile ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-temporal-'));
  const dbFile = options.dbFile ?? path.join(ownDir as string, 'temporal.sqlite');
  try {
    const server = await startDevServer({ uiPort: false, ...options, dbFile });
    return {
      ...server,
      dbFile,
      stop: async (timeoutMs?: number) => {
        await server.stop(timeoutMs);
        if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start a test server for the enclosing `describe`
 * (or file) and stop it; call the returned function inside tests to get the server.
 */
export function useTestServer(options?: DevServerOptions): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the test server is not running (call useTestServer() in a describe block)');
    return server;
  };
}
