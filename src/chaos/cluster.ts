/**
 * Everything a chaos run needs, on this machine: a Temporal dev server with a SQLite file (so it
 * can be restarted mid-run), a supervised worker process, an artifact store on its own small
 * tmpfs when `mount` is allowed (so the disk can really fill up or turn read-only), and the local
 * model server for runs whose policy and judge are OpenAI-compatible endpoints.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../plugin';
import { startLocalModelServer, type LocalModelServer } from '../model-server/local-model-server';
import { startDevServer, type DevServer } from '../temporal-server/dev-server';
import { LocalArtifactStore } from '../store/local-store';
import { WorkerSupervisor } from './workers';

export interface ChaosCluster {
  client: Client;
  address(): string;
  store: LocalArtifactStore;
  storeRoot: string;
  /** The store is a tmpfs mount of its own: disk-full and read-only faults are possible. */
  storeMounted: boolean;
  workers: WorkerSupervisor;
  modelServer: LocalModelServer;
  /** Stops the dev server and starts it again on the same port and SQLite file. */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
};

/** Mounts a tmpfs of `sizeMb` at `dir`; false when this process may not mount. */
function mountTmpfs(dir: string, sizeMb: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  for (const args of [[dir], ['-l', dir]]) {
    try {
      execFileSync('umount', args, { stdio: 'ignore' });
      return;
    } catch {
      // busy: try a lazy unmount next
    }
  }
}

export async function startChaosCluster(opts: { storeMb?: number } = {}): Promise<ChaosCluster> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // a runtime is already installed
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-chaos-'));
  const storeRoot = path.join(dir, 'store');
  fs.mkdirSync(storeRoot, { mode: 0o700 });
  const storeMounted = mountTmpfs(storeRoot, opts.storeMb ?? 96);
  // Interrupted or not, the suite must not leave a mount behind in the temporary folder.
  const unmountOnExit = () => unmount(storeRoot);
  if (storeMounted) process.once('exit', unmountOnExit);
  const dbFile = path.join(dir, 'temporal.sqlite');
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    if (storeMounted) {
      process.removeListener('exit', unmountOnExit);
      unmount(storeRoot);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    let server: DevServer = await startDevServer({ dbFile, uiPort: false });
    cleanups.push(() => server.stop());
    const port = server.port;
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });

    // Bundled once: every replacement worker loads this file instead of bundling again.
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);

    const workers = new WorkerSupervisor(() => server.address, storeRoot, bundlePath);
    cleanups.push(() => workers.stop());
    await workers.start();
    const modelServer = await startLocalModelServer({ port: 0, storeRoot });
    cleanups.push(() => modelServer.close());

    return {
      client,
      address: () => server.address,
      store: new LocalArtifactStore(storeRoot),
      storeRoot,
      storeMounted,
      workers,
      modelServer,
      async restartServer() {
        await server.stop();
        server = await startDevServer({ dbFile, port, uiPort: false });
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
