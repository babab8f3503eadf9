/** A benchmark harness: a dev server, one in-process worker, and timed runs of a config. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { parseRunConfig } from '../config/parse';
import type { RunConfigInput } from '../config/schema';
import { RlaifPlugin } from '../plugin';
import { startDevServer, type DevServer } from '../temporal-server/dev-server';
import { startRun } from '../cli/runs';
import type { RunSummary } from '../../workflows/run';

export interface BenchServer {
  server: DevServer;
  client: Client;
  storeRoot: string;
  /** Runs a config to completion; seconds from start to result (the worker is already warm). */
  timedRun(id: string, config: RunConfigInput): Promise<{ seconds: number; summary: RunSummary }>;
  /**
   * Events and bytes of a workflow's history: `bytes` as JSON (the history object stringified, as
   * the per-round figures have always been taken), `encodedBytes` as the server stores and sends
   * it (protobuf), which is what the Temporal UI's and `temporal workflow show`'s sizes reflect.
   */
  historySize(workflowId: string): Promise<{ events: number; bytes: number; encodedBytes: number }>;
  close(): Promise<void>;
}

/** `store`: the artifact store spec of the worker (default: a folder in the bench's temp folder). */
export async function startBenchServer(store?: string): Promise<BenchServer> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-bench-'));
  const server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), uiPort: false });
  const storeRoot = store ?? path.join(dir, 'store');
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({
    connection: native,
    taskQueue: 'rlaif',
    plugins: [new RlaifPlugin({ storeRoot })],
  });
  const running = worker.run();
  return {
    server,
    client,
    storeRoot,
    async timedRun(id, input) {
      const config = parseRunConfig(input);
      const t0 = performance.now();
      const handle = await startRun(client, config, { workflowId: id });
      const summary = (await handle.result()) as RunSummary;
      return { seconds: (performance.now() - t0) / 1000, summary };
    },
    async historySize(workflowId) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      return {
        events: history.events?.length ?? 0,
        bytes: Buffer.byteLength(JSON.stringify(history)),
        encodedBytes: temporal.api.history.v1.History.encode(history).finish().length,
      };
    },
    async close() {
      worker.shutdown();
      await running.catch(() => undefined);
      await native.close();
      await connection.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
