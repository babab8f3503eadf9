/**
 * Starts and stops the Temporal CLI's dev server (`temporal server start-dev`): a whole Temporal
 * in one process, with SQLite persistence when given a file, used by the tests, the demo and users.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import { findTemporalCli } from './temporal-cli';

/** Options of {@link startDevServer}; every field has a default. */
export interface DevServerOptions {
  /** SQLite file that keeps namespaces and workflows across restarts; in memory when omitted. */
  dbFile?: string;
  /** The front-end gRPC port; a free port when omitted. */
  port?: number;
  /** The Web UI port; a free port when omitted, `false` for no UI (headless). */
  uiPort?: number | false;
  /** The namespace the workers and clients use; created at start. Default `default`. */
  namespace?: string;
  /** File that receives the server's output (appended); when omitted the last lines are kept in memory. */
  logFile?: string;
  /** The IP address the server binds. Default 127.0.0.1, so nothing is exposed beyond this machine. */
  ip?: string;
  /** The Temporal CLI binary; {@link findTemporalCli} when omitted. */
  temporalCli?: string;
  /** How long to wait for the server to answer. Default 60 s. */
  startTimeoutMs?: number;
  /**
   * Leave the server running when this process exits (its own process group, not killed on exit),
   * e.g. for a demo whose UI the user keeps using. Needs `logFile`, since nothing reads its output.
   */
  detached?: boolean;
}

/** A running dev server. */
export interface DevServer {
  /** The gRPC address for clients and workers, `host:port`. */
  address: string;
  /** The Web UI, unless started headless. */
  uiUrl?: string;
  /** The gRPC port. */
  port: number;
  /** The namespace created at start. */
  namespace: string;
  /** The `temporal` process. */
  process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after `timeoutMs`, default 10 s) and waits for it to exit. */
  stop(timeoutMs?: number): Promise<void>;
}

const LOG_TAIL_BYTES = 4096;
/** Attempts when a port we chose was taken by someone else between choosing and binding it. */
const PORT_ATTEMPTS = 3;

/** The dev server could not start: a port in use, or the server exited or did not answer (its log's tail). */
export class DevServerStartError extends Error {
  override readonly name = 'DevServerStartError';
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

/**
 * Starts `temporal server start-dev` with the project's search attributes and waits until it
 * answers on gRPC with the namespace and the search attributes in place (up to `startTimeoutMs`).
 * Fails with the tail of the server's log when the server exits or does not answer in time.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  if (options.detached && !options.logFile)
    throw new Error('startDevServer: a detached server needs a logFile');
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      const retry = err instanceof DevServerStartError && err.portInUse && options.port === undefined;
      if (!retry || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const [port, uiPort] = await choosePorts(ip, options.port, options.uiPort);
  const host = connectHost(ip);
  const address = hostPort(host, port);
  // A server already on a port we were given would pass the readiness check in our stead.
  for (const fixed of [options.port, options.uiPort]) {
    if (typeof fixed === 'number' && (await portAccepts(host, fixed))) {
      const what = fixed === options.port ? 'gRPC' : 'UI';
      throw new DevServerStartError(
        `cannot start the Temporal dev server: ${hostPort(host, fixed)} (its ${what} port) is already in use`,
        false,
      );
    }
  }

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
  args.push(...(uiPort === false ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(path.resolve(options.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(options.dbFile));
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES))
    args.push('--search-attribute', `${name}=${type}`);
  args.push('--log-level', 'warn');

  const log = openLog(options.logFile);
  const child = spawn(options.temporalCli ?? findTemporalCli(), args, {
    stdio: ['ignore', log.out, log.out],
    detached: options.detached ?? false,
  });
  log.started(child);
  // A server this process forgot to stop must not outlive it, unless it was meant to.
  const killOnExit = (): void => void child.kill('SIGTERM');
  if (!options.detached) process.once('exit', killOnExit);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not be started: ${err.message}`));
    child.once('exit', (code, signal) =>
      resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`),
    );
  }).finally(() => process.removeListener('exit', killOnExit));

  const fail = (what: string): DevServerStartError => {
    const tail = log.tail();
    return new DevServerStartError(
      `Temporal dev server (${args.join(' ')}) ${what}` +
        (tail ? `\n--- server log (last lines) ---\n${tail}` : ''),
      /address already in use/i.test(tail),
    );
  };

  const stop = async (stopTimeoutMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const died = exited.then((how) => fail(how));
  try {
    await waitUntilReady(host, port, namespace, Date.now() + timeoutMs, died, () =>
      fail(`did not answer on ${address} within ${Math.round(timeoutMs / 1000)} s`),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  // A detached server must not keep this process alive either.
  if (options.detached) child.unref();
  return {
    address,
    uiUrl: uiPort === false ? undefined : `http://${hostPort(host, uiPort)}`,
    port,
    namespace,
    process: child,
    stop,
  };
}

/**
 * Polls until the front end answers and lists our search attributes in the namespace: only then
 * can a workflow start and set them. Throws the error `died` yields if the server exits first.
 */
async function waitUntilReady(
  host: string,
  port: number,
  namespace: string,
  deadline: number,
  died: Promise<Error>,
  timeout: () => Error,
): Promise<void> {
  let dead: Error | undefined;
  void died.then((err) => (dead = err));
  let connection: Connection | undefined;
  try {
    for (;;) {
      if (dead) throw dead;
      if (Date.now() > deadline) throw timeout();
      if (await portAccepts(host, port)) {
        connection ??= await Connection.connect({
          address: hostPort(host, port),
          connectTimeout: '5s',
        }).catch(() => undefined);
        if (connection && (await hasSearchAttributes(connection, namespace))) return;
      }
      await Promise.race([died, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  } finally {
    await connection?.close();
  }
}

async function hasSearchAttributes(connection: Connection, namespace: string): Promise<boolean> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return Object.keys(SEARCH_ATTRIBUTES).every((name) => customAttributes?.[name] !== undefined);
  } catch {
    return false;
  }
}

/** Whether a Temporal server answers at `address` (`host:port`) within `timeoutMs`. */
export async function isServerReachable(address: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/** Free TCP ports on `ip`, held open together so that two calls cannot return the same port. */
export async function freePorts(count: number, ip = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, ip, () => resolve((server.address() as AddressInfo).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

async function choosePorts(
  ip: string,
  port: number | undefined,
  uiPort: number | false | undefined,
): Promise<[number, number | false]> {
  const needed = (port === undefined ? 1 : 0) + (uiPort === undefined ? 1 : 0);
  const free = needed > 0 ? await freePorts(needed, ip) : [];
  return [port ?? (free.shift() as number), uiPort ?? (free.shift() as number)];
}

/** The host a client on this machine dials for a server bound to `ip`. */
function connectHost(ip: string): string {
  if (ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '::1';
  return ip;
}

/** `host:port`, with an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function portAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

interface ServerLog {
  /** What the child's stdout and stderr are connected to. */
  out: 'pipe' | number;
  /** Called once the child is spawned. */
  started(child: ChildProcess): void;
  /** The last lines the server wrote. */
  tail(): string;
}

/** The server's output goes to `file` when given (so it outlives this process), else to a small buffer. */
function openLog(file: string | undefined): ServerLog {
  if (file) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const fd = fs.openSync(file, 'a');
    const start = fs.fstatSync(fd).size;
    return {
      out: fd,
      started: () => fs.closeSync(fd),
      tail: () => readTail(file, start),
    };
  }
  let buffer = '';
  const keep = (chunk: Buffer): void => {
    buffer = (buffer + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
  };
  return {
    out: 'pipe',
    started: (child) => {
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
    },
    tail: () => buffer.trim(),
  };
}

/** The last bytes of `file` written after offset `start` (earlier runs appended to the same file). */
function readTail(file: string, start: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const from = Math.max(start, size - LOG_TAIL_BYTES);
      const bytes = Buffer.alloc(Math.max(0, size - from));
      fs.readSync(fd, bytes, 0, bytes.length, from);
      return bytes.toString('utf8').trim();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}
