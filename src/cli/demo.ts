/**
 * `rlaif demo`: the whole product in one command. Uses the Temporal server at the configured
 * address, or starts a dev server in the background (SQLite in the state folder, UI on 8233)
 * and leaves it running; runs a worker in this process; starts the demo run, shows progress and
 * prints the summary line with the link to the run in the UI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadRunConfigFile } from '../config/load';
import { connectClient, resolveConnection, type ConnectionSettings } from '../connection';
import { PACKAGE_ROOT, stateDir } from '../paths';
import { isServerReachable, startDevServer } from '../server/dev-server';
import { showProgressUntil } from './progress';
import { defaultWorkflowId, runResult, startRun } from './runs';
import { summaryLine, workflowUiUrl, type SummaryLine } from './summary';
import { createWorker, installWorkerLogging } from './worker';
import { workerCapabilitiesFrom } from '../capabilities/load';

export const DEMO_CONFIG = path.join(PACKAGE_ROOT, 'examples', 'demo.json');

export interface ServerInfo {
  settings: ConnectionSettings;
  uiBase?: string;
  startedHere: boolean;
  pid?: number;
}

/** The server to use: a reachable configured one, or a background dev server started now. */
export async function ensureServer(log: (line: string) => void): Promise<ServerInfo> {
  const settings = resolveConnection();
  if (await isServerReachable(settings.address)) {
    log(`using the Temporal server at ${settings.address}`);
    return { settings, startedHere: false };
  }
  const dir = stateDir();
  const dbFile = path.join(dir, 'temporal.db');
  log(
    `no Temporal server at ${settings.address}; starting a dev server (database ${dbFile}, UI on port 8233)`,
  );
  const port = Number(settings.address.split(':').pop() ?? 7233);
  const server = await startDevServer({
    dbFile,
    port,
    uiPort: 8233,
    logFile: path.join(dir, 'temporal-server.log'),
    detached: true,
  });
  fs.writeFileSync(path.join(dir, 'temporal-server.pid'), String(server.process.pid));
  const uiBase = server.uiUrl?.replace('127.0.0.1', 'localhost');
  return {
    settings: { ...settings, address: server.address },
    ...(uiBase ? { uiBase } : {}),
    startedHere: true,
    ...(server.process.pid ? { pid: server.process.pid } : {}),
  };
}

export interface DemoOptions {
  configFile?: string;
  workflowId?: string;
  /** What the demo's worker offers runs (endpoints, trainers, data roots); none for the offline demo. */
  workerConfigFile?: string;
  trustRunConfigs?: boolean;
}

export async function runDemo(opts: DemoOptions = {}): Promise<SummaryLine> {
  const log = (line: string) => process.stderr.write(`[rlaif demo] ${line}\n`);
  const config = loadRunConfigFile(opts.configFile ?? DEMO_CONFIG);
  const capabilities = workerCapabilitiesFrom(opts.workerConfigFile, opts.trustRunConfigs === true);
  const server = await ensureServer(log);
  installWorkerLogging('WARN');
  const worker = await createWorker(server.settings, { plugin: { capabilities } });
  let client: Client | undefined;
  try {
    const result = await worker.runUntil(async () => {
      client = await connectClient(server.settings);
      const handle = await startRun(client, config, {
        workflowId: opts.workflowId ?? defaultWorkflowId(config),
      });
      const ui = workflowUiUrl(
        server.settings.address,
        server.settings.namespace,
        handle.workflowId,
        server.uiBase,
      );
      log(`started ${handle.workflowId}; watch it at ${ui}`);
      const summary = await showProgressUntil(handle, runResult(handle));
      return summaryLine(summary, ui);
    });
    if (server.startedHere) {
      log(`the Temporal server is still running (pid ${server.pid}) so you can open the UI;`);
      log(`stop it with: kill ${server.pid}   (or: rlaif server --stop)`);
    }
    return result;
  } finally {
    await client?.connection.close();
  }
}
