/**
 * Everything a chaos run needs, on this machine: a Temporal dev server with a SQLite file (so it
 * can be restarted mid-run), a supervised worker process, an artifact store on its own small
 * tmpfs when `mount` is allowed (so the disk can really fill up or turn read-only), and the local
 * model server for runs whose policy and judge are OpenAI-compatible endpoints. Runs on an S3
 * store get, when the first one starts, an S3 server (the Versity gateway) behind a throttling
 * proxy and a worker of their own on a task queue of their own.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../plugin';
import { startS3Server, type S3Server } from '../../devtools/s3-server';
import { startLocalModelServer, type LocalModelServer } from '../model-server/local-model-server';
import { startDevServer, type DevServer } from '../temporal-server/dev-server';
import { LocalArtifactStore } from '../store/local-store';
import { S3ArtifactStore } from '../store/s3-store';
import { auditedS3 } from './s3-audit';
import { startThrottleProxy, type ThrottleProxy } from './s3-throttle';
import { auditedLocal, type AuditedStore } from './verify';
import { WorkerSupervisor } from './workers';

/** Objects from this size go multipart in S3 runs: the policy (~70 KB) and the reward model (~17 KB). */
export const CHAOS_MULTIPART_FROM = 12 * 1024;

/** The S3 side of the cluster. */
export interface ChaosS3 {
  server: S3Server;
  /** In front of the server: the workers' endpoint; throttles while an s3-throttle fault lasts. */
  throttle: ThrottleProxy;
  /** The S3 runs' worker, on `taskQueue`, its store at `s3://chaos/store` through the proxy. */
  workers: WorkerSupervisor;
  taskQueue: string;
  /** The suite's own view of the store, straight to the server. */
  store: S3ArtifactStore;
  audited: AuditedStore;
}

export interface ChaosCluster {
  client: Client;
  address(): string;
  store: LocalArtifactStore;
  storeRoot: string;
  /** The store is a tmpfs mount of its own: disk-full and read-only faults are possible. */
  storeMounted: boolean;
  workers: WorkerSupervisor;
  /** The local store as the checks see it. */
  audited: AuditedStore;
  modelServer: LocalModelServer;
  /** The S3 server, its proxy and worker, started at the first call. */
  s3(): Promise<ChaosS3>;
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

    let s3: Promise<ChaosS3> | undefined;
    const startS3 = async (): Promise<ChaosS3> => {
      const s3Root = path.join(dir, 's3');
      fs.mkdirSync(s3Root, { mode: 0o700 });
      const s3Server = await startS3Server({ root: s3Root, buckets: ['chaos'] });
      cleanups.push(() => s3Server.stop());
      const throttle = await startThrottleProxy(s3Server.port, 0, 1);
      cleanups.push(() => throttle.close());
      const taskQueue = 'rlaif-chaos-s3';
      const s3Workers = new WorkerSupervisor(() => server.address, 's3://chaos/store', bundlePath, {
        taskQueue,
        env: {
          ...s3Server.env,
          AWS_ENDPOINT_URL: throttle.endpoint,
          RLAIF_CACHE_DIR: path.join(dir, 's3-cache'),
          RLAIF_CHAOS_MULTIPART_FROM: String(CHAOS_MULTIPART_FROM),
        },
      });
      cleanups.push(() => s3Workers.stop());
      await s3Workers.start();
      const store = new S3ArtifactStore('s3://chaos/store', {
        cacheDir: path.join(dir, 's3-suite-cache'),
        client: {
          endpoint: s3Server.endpoint,
          forcePathStyle: true,
          region: 'us-east-1',
          credentials: { accessKeyId: s3Server.accessKeyId, secretAccessKey: s3Server.secretAccessKey },
        },
      });
      return { server: s3Server, throttle, workers: s3Workers, taskQueue, store, audited: auditedS3(store) };
    };

    const store = new LocalArtifactStore(storeRoot);
    return {
      client,
      address: () => server.address,
      store,
      audited: auditedLocal(store),
      storeRoot,
      storeMounted,
      workers,
      modelServer,
      s3: () => (s3 ??= startS3()),
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
