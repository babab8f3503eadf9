/**
 * `rlaif demo`: the whole product in one command. Uses the Temporal server at the configured
 * address (or localhost:--port), or starts a dev server there in the background (SQLite in the
 * state folder, UI on --ui-port, default 8233) and leaves it running; runs a worker in this
 * process; starts the demo run, shows progress and prints the summary line with the link to the
 * run in the UI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadRunConfigFile } from '../config/load';
import { connectClient, resolveConnection, type ConnectionSettings } from '../connection';
import { PACKAGE_ROOT, stateDir } from '../paths';
import { DevServerStartError, isServerReachable, startDevServer } from '../temporal-server/dev-server';
import { recordedUiUrl, recordServer } from '../temporal-server/server-record';
import { showProgressUntil } from './progress';
import { defaultWorkflowId, runResult, startRun } from './runs';
import { summaryLine, uiLinkText, workflowUiUrl, type SummaryLine } from './summary';
import { createWorker, installWorkerLogging } from './worker';
import { workerCapabilitiesFrom } from '../capabilities/load';

export const DEMO_CONFIG = path.join(PACKAGE_ROOT, 'examples', 'demo.json');

export interface ServerInfo {
  settings: ConnectionSettings;
  uiBase?: string;
  startedHere: boolean;
  pid?: number;
}

/** The dev server's UI port unless `--ui-port` says otherwise. */
export const DEFAULT_UI_PORT = 8233;

/** Where the demo's server is, or is to be started. */
export interface ServerChoice {
  /** gRPC port on this machine; default: the configured address (TEMPORAL_ADDRESS, profile). */
  port?: number;
  /** UI port of a dev server started now; for a running server, where its UI is. */
  uiPort?: number;
}

/** The server to use: a reachable configured one, or a background dev server started now. */
export async function ensureServer(
  log: (line: string) => void,
  choice: ServerChoice = {},
): Promise<ServerInfo> {
  const configured = resolveConnection();
  const settings =
    choice.port === undefined ? configured : { ...configured, address: `localhost:${choice.port}` };
  if (await isServerReachable(settings.address)) {
    // Its UI: the one recorded when rlaif started it, or where the user says it is.
    const uiBase =
      recordedUiUrl(settings.address) ??
      (choice.uiPort !== undefined ? `http://localhost:${choice.uiPort}` : undefined);
    log(`using the Temporal server at ${settings.address}`);
    return { settings, startedHere: false, ...(uiBase ? { uiBase } : {}) };
  }
  const dir = stateDir();
  const dbFile = path.join(dir, 'temporal.db');
  const uiPort = choice.uiPort ?? DEFAULT_UI_PORT;
  log(
    `no Temporal server at ${settings.address}; starting a dev server (database ${dbFile}, UI on port ${uiPort})`,
  );
  const port = Number(settings.address.split(':').pop() ?? 7233);
  const server = await startDevServer({
    dbFile,
    port,
    uiPort,
    logFile: path.join(dir, 'temporal-server.log'),
    detached: true,
  }).catch((err: unknown) => {
    if (err instanceof DevServerStartError && /already in use/.test(err.message)) {
      const flag = err.message.includes('UI port') ? '--ui-port' : '--port';
      throw new DevServerStartError(`${err.message}; choose another with "rlaif demo ${flag} <n>"`, false);
    }
    throw err;
  });
  fs.writeFileSync(path.join(dir, 'temporal-server.pid'), String(server.process.pid));
  const uiBase = server.uiUrl?.replace('127.0.0.1', 'localhost');
  if (server.process.pid)
    recordServer({ pid: server.process.pid, address: server.address, ...(uiBase ? { uiUrl: uiBase } : {}) });
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
  /** Where the server is or is to be started. */
  server?: ServerChoice;
}

export async function runDemo(opts: DemoOptions = {}): Promise<SummaryLine> {
  const log = (line: string) => process.stderr.write(`[rlaif demo] ${line}\n`);
  const config = loadRunConfigFile(opts.configFile ?? DEMO_CONFIG);
  const capabilities = workerCapabilitiesFrom(opts.workerConfigFile, opts.trustRunConfigs === true);
  const server = await ensureServer(log, opts.server);
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
      log(`started ${handle.workflowId}; watch it at ${uiLinkText(ui)}`);
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
