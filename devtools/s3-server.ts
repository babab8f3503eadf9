/**
 * A real S3-compatible server for tests, the bench and the chaos suite: the Versity S3 gateway
 * (`versitygw`, Apache-2.0, built by `npm run setup` with `go install`) over a POSIX folder,
 * listening on a free loopback port. It implements what the S3 store relies on — conditional
 * writes (`If-None-Match: *`, made atomic across gateway processes by a file lock), SHA-256
 * checksums verified on upload, multipart uploads — so the tests exercise the store against a
 * server's semantics rather than a mock's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '../src/temporal-server/dev-server';
import { findProjectRoot, isExecutable, onPath } from '../src/temporal-server/temporal-cli';

/** The `versitygw` binary: on PATH, else the project-local build in .tools/bin. */
export function findVersityGw(projectRoot?: string): string {
  const found = onPath('versitygw');
  if (found) return found;
  const local = path.join(projectRoot ?? findProjectRoot(), '.tools', 'bin', 'versitygw');
  if (isExecutable(local)) return local;
  throw new Error(
    'The Versity S3 gateway (versitygw) was not found on PATH nor in .tools/bin. Run `npm run setup` ' +
      '(it builds the pinned release with Go: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0).',
  );
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL for clients. */
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  /** The folder the gateway stores buckets in (one sub-folder per bucket). */
  root: string;
  /** The environment a client process needs: endpoint, credentials, region. */
  env: Record<string, string>;
  process: ChildProcess;
  /** Creates a bucket (a folder of the root). */
  createBucket(name: string): Promise<void>;
  /** Kills the gateway (SIGKILL when `hard`) and starts it again on the same port and folder. */
  restart(opts?: { hard?: boolean; downMs?: number }): Promise<void>;
  /** Stops the gateway and, unless the caller gave the folder, removes it. */
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  /** The POSIX folder to serve; default a new temporary folder, removed on stop. */
  root?: string;
  /** Buckets to create before returning. */
  buckets?: string[];
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts a gateway on a free loopback port; ready (accepting connections) when it returns. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const binary = findVersityGw();
  const ownRoot = options.root === undefined;
  const root = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-s3-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data, { recursive: true, mode: 0o700 });
  const [port] = (await freePorts(1)) as [number];
  const accessKeyId = `rlaif${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const logFile = path.join(root, 'versitygw.log');
  let child!: ChildProcess;

  const launch = async (): Promise<void> => {
    const log = fs.openSync(logFile, 'a');
    child = spawn(
      binary,
      [
        '--port',
        `127.0.0.1:${port}`,
        '--access',
        accessKeyId,
        '--secret',
        secretAccessKey,
        '--region',
        'us-east-1',
        'posix',
        data,
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`versitygw exited at start:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
      }
      if (await portAnswers(port)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`versitygw did not listen on 127.0.0.1:${port} within 30 s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  };
  const killOnExit = () => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await launch();

  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  const server: S3Server = {
    endpoint,
    port,
    accessKeyId,
    secretAccessKey,
    root,
    env,
    get process() {
      return child;
    },
    async createBucket(name: string) {
      // Loaded here so that a process that only starts the server does not load the SDK.
      const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const client = new S3Client({
        endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId, secretAccessKey },
      });
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
    async restart(opts = {}) {
      await kill(opts.hard ? 'SIGKILL' : 'SIGTERM');
      if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
      await launch();
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      await kill('SIGTERM');
      if (ownRoot) fs.rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    for (const bucket of options.buckets ?? []) await server.createBucket(bucket);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
