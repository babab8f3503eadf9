/**
 * onnxruntime-node behind a worker thread. Every session of the process lives in one shared
 * worker; callers send plain typed arrays and get plain typed arrays back.
 *
 * Why a worker: ORT's JavaScript checks tensor data with `instanceof Float32Array`, and under a
 * VM-sandboxed runner such as jest its native binding builds output arrays in another realm than
 * the sandboxed ORT classes, so every run fails. A worker thread is a plain Node realm in tests
 * and in production alike. It also keeps inference off the caller's event loop.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { Worker } from 'worker_threads';

/** An input of a run. */
export interface Feed {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/** An output of a run. */
export interface Fetched {
  type: string;
  data: ArrayLike<number | bigint>;
  dims: number[];
}

/** What a model declares about one input. */
export interface InputSpec {
  name: string;
  /** ORT's element type ('float32', 'int64', …); undefined for a non-tensor input. */
  type?: string;
  shape: Array<number | string>;
}

/** An open session in the ORT worker. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly inputs: readonly InputSpec[];
  run(feeds: Record<string, Feed>): Promise<Record<string, Fetched>>;
  release(): Promise<void>;
}

/** Requests the worker understands. */
export type OrtRequest =
  | { id: number; op: 'open'; bytes: Uint8Array }
  | { id: number; op: 'run'; session: number; feeds: Record<string, Feed> }
  | { id: number; op: 'release'; session: number };

/** A request before the host numbers it. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Replies of the worker, matched to requests by id. */
export type OrtReply =
  | { id: number; ok: true; session?: number; inputs?: InputSpec[]; outputs?: Record<string, Fetched> }
  | { id: number; ok: false; message: string };

/** Idle time after which a worker with no open session exits, so a finished process is not kept busy. */
const IDLE_EXIT_MS = 5000;

class OrtHost {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: OrtReply) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private openSessions = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private dead: Error | undefined;

  constructor(
    script: string,
    private readonly onExit: (host: OrtHost) => void,
  ) {
    this.worker = new Worker(script);
    this.worker.unref();
    this.worker.on('message', (reply: OrtReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      this.updateRef();
      p.resolve(reply);
    });
    this.worker.on('error', (err) => this.fail(new Error(`the onnxruntime worker failed: ${err.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`the onnxruntime worker exited with code ${code}`)));
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    this.onExit(this);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Keeps the process alive only while a request is in flight. */
  private updateRef(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  async request(req: Unnumbered<OrtRequest>): Promise<OrtReply> {
    if (this.dead) throw this.dead;
    const id = this.nextId++;
    const reply = new Promise<OrtReply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.updateRef();
    this.worker.postMessage({ ...req, id } as OrtRequest);
    return reply;
  }

  sessionOpened(): void {
    this.openSessions++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  sessionClosed(): void {
    this.openSessions--;
    if (this.openSessions > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.openSessions === 0 && this.pending.size === 0) {
        this.fail(new Error('the onnxruntime worker was stopped after being idle'));
        void this.worker.terminate();
      }
    }, IDLE_EXIT_MS);
    this.idleTimer.unref();
  }
}

let shared: OrtHost | undefined;

function host(): OrtHost {
  if (!shared) {
    const script = join(__dirname, 'ort-worker.js');
    if (!existsSync(script))
      throw new Error(`the onnxruntime worker script ${script} is missing; build the project first`);
    shared = new OrtHost(script, (h) => {
      if (shared === h) shared = undefined;
    });
  }
  return shared;
}

function unwrap(reply: OrtReply, what: string): Extract<OrtReply, { ok: true }> {
  if (!reply.ok) throw new Error(`${what}: ${reply.message}`);
  return reply;
}

/** Opens a session for model bytes; errors name `source`. */
export async function openSession(bytes: Uint8Array, source: string): Promise<OrtSession> {
  const h = host();
  const opened = unwrap(await h.request({ op: 'open', bytes }), `onnxruntime could not load ${source}`);
  const id = opened.session as number;
  const inputs = opened.inputs ?? [];
  h.sessionOpened();
  let released = false;
  return {
    inputNames: inputs.map((i) => i.name),
    inputs,
    async run(feeds) {
      if (released) throw new Error(`${source}: the session was released`);
      return (
        unwrap(await h.request({ op: 'run', session: id, feeds }), `onnxruntime failed to run ${source}`)
          .outputs ?? {}
      );
    },
    async release() {
      if (released) return;
      released = true;
      h.sessionClosed();
      unwrap(await h.request({ op: 'release', session: id }), `onnxruntime could not release ${source}`);
    },
  };
}

/** A float32 output copied into a Float32Array; throws naming the output when it is missing or not float32. */
export function floatOutput(outputs: Record<string, Fetched>, name: string, source: string): Float32Array {
  const t = outputs[name];
  if (!t) throw new Error(`${source} returned no "${name}" output`);
  if (t.type !== 'float32') throw new Error(`${source} output "${name}" is ${t.type}, expected float32`);
  return Float32Array.from(t.data as ArrayLike<number>);
}

/** Releases the session and throws unless it declares exactly the expected input names. */
export async function checkInputs(session: OrtSession, expected: string[], source: string): Promise<void> {
  const got = [...session.inputNames].sort();
  const want = [...expected].sort();
  if (got.join(',') !== want.join(',')) {
    await session.release();
    throw new Error(`${source} declares inputs [${got.join(', ')}], expected [${want.join(', ')}]`);
  }
}
