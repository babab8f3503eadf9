/**
 * A dev server, a client, an artifact store and `rlaif worker` processes on it: the setup of the
 * tests that SIGKILL workers or check what a worker process writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { LocalArtifactStore } from '../../src/store/local-store';
import { startTestServer, type TestServer } from './dev-server';
import { spawnWorker, type WorkerProcess } from './worker-process';

export interface ProcessCluster {
  server: TestServer;
  client: Client;
  storeRoot: string;
  store: LocalArtifactStore;
  /** Starts another worker process on the cluster's server and store. */
  worker(): WorkerProcess;
  /** Kills the workers, closes the client, stops the server and removes the store. */
  stop(): Promise<void>;
}

/**
 * `workerArgs` go to every `rlaif worker` of the cluster, e.g. `--trust-run-configs` for tests
 * of a single user's machine whose configs declare endpoints inline.
 */
export async function startProcessCluster(name: string, workerArgs: string[] = []): Promise<ProcessCluster> {
  const server = await startTestServer();
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), `rlaif-${name}-`));
  const workers: WorkerProcess[] = [];
  return {
    server,
    client,
    storeRoot,
    store: new LocalArtifactStore(storeRoot),
    worker() {
      const w = spawnWorker(server.address, storeRoot, { extraArgs: workerArgs });
      workers.push(w);
      return w;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.kill()));
      await client.connection.close();
      await server.stop();
      fs.rmSync(storeRoot, { recursive: true, force: true });
    },
  };
}
