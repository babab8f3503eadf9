/**
 * A real Ollama server for the tests against a third-party OpenAI-compatible server
 * (`npm run test:real`): started on a free loopback port with its models in a temporary folder,
 * given models from GGUF files the tests write, killed with SIGKILL and restarted on the same
 * port and models, and stopped when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '../../src/temporal-server/dev-server';

/** The checkout this file was compiled from (dist/tests/helpers → three levels up). */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const LOG_TAIL = 4000;

/**
 * The `ollama` binary: one on PATH is used as is; otherwise the one `node scripts/setup.js
 * --with ollama` built and recorded in .tools/ollama-path. Undefined when there is neither.
 */
export function findOllama(root = ROOT): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, 'ollama');
    if (candidate && isExecutable(candidate)) return candidate;
  }
  try {
    const recorded = fs.readFileSync(path.join(root, '.tools', 'ollama-path'), 'utf8').trim();
    return isExecutable(recorded) ? recorded : undefined;
  } catch {
    return undefined;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Options of {@link startOllama}. */
export interface OllamaOptions {
  /** The binary; {@link findOllama} when omitted. */
  binary?: string;
  /** Requests one loaded model serves at once (OLLAMA_NUM_PARALLEL). Default 2. */
  parallel?: number;
  /** How long to wait for the server to answer. Default 30 s. */
  startTimeoutMs?: number;
}

/** A running Ollama server. */
export interface OllamaServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The OpenAI-compatible API root, url + /v1. */
  baseURL: string;
  /** The folder of its models (OLLAMA_MODELS), kept across restarts. */
  modelsDir: string;
  /** The running `ollama serve` process. */
  process(): ChildProcess;
  /** Creates model `name` from a GGUF file, with a Go template for chat prompts. */
  createModel(name: string, ggufFile: string, template?: string): Promise<void>;
  /** Loads `name` into memory with one short request, so the first test request does not wait for it. */
  warm(name: string): Promise<void>;
  /** SIGKILL to the server and the model runners it started; resolves when they are gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and models folder. */
  restart(): Promise<void>;
  /** The last lines the server wrote (for failure messages). */
  logTail(): string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** The chat template of the tests' models: the messages' text as is, so the last token is the prompt's. */
export const PLAIN_TEMPLATE = '{{- range .Messages }}{{ .Content }}{{ end }}';

/**
 * Starts `ollama serve` on a free loopback port with a new temporary folder for its models and
 * its home (keys), and waits until it answers. Fails with the tail of its log when it exits or
 * does not answer in time.
 */
export async function startOllama(options: OllamaOptions = {}): Promise<OllamaServer> {
  const binary = options.binary ?? findOllama();
  if (!binary)
    throw new Error('no ollama binary: put one on PATH or run `node scripts/setup.js --with ollama`');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-ollama-'));
  const modelsDir = path.join(dir, 'models');
  const home = path.join(dir, 'home');
  fs.mkdirSync(modelsDir);
  fs.mkdirSync(home);
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    const proc = spawn(binary, ['serve'], {
      env: {
        ...process.env,
        HOME: home,
        OLLAMA_HOST: `127.0.0.1:${port}`,
        OLLAMA_MODELS: modelsDir,
        OLLAMA_NUM_PARALLEL: String(options.parallel ?? 2),
        OLLAMA_KEEP_ALIVE: '-1',
        OLLAMA_NOPRUNE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a kill reaches the model runners it spawns too.
      detached: true,
    });
    child = proc;
    const keep = (b: Buffer) => {
      log = (log + b.toString('utf8')).slice(-LOG_TAIL);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`ollama serve exited at start (${proc.exitCode ?? proc.signalCode}):\n${log}`);
      try {
        const res = await fetch(`${url}/api/version`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        killGroup(proc);
        throw new Error(`ollama serve did not answer on ${url} within the timeout:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const killAll = async () => {
    if (child && child.exitCode === null && child.signalCode === null) killGroup(child);
    await exited;
  };
  // A server this process forgot to stop must not outlive it.
  const onExit = () => {
    if (child) killGroup(child);
  };
  process.once('exit', onExit);

  try {
    await launch();
  } catch (err) {
    process.removeListener('exit', onExit);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const api = async (route: string, body: unknown): Promise<unknown> => {
    const res = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`ollama ${route} answered ${res.status}: ${text}\n${log}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };

  return {
    url,
    baseURL: `${url}/v1`,
    modelsDir,
    process: () => child as ChildProcess,
    async createModel(name, ggufFile, template = PLAIN_TEMPLATE) {
      // The blob first (content-addressed), then a model naming it: Ollama's own create path.
      const bytes = fs.readFileSync(ggufFile);
      const digest = `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
      const res = await fetch(`${url}/api/blobs/${digest}`, { method: 'POST', body: bytes });
      if (!res.ok) throw new Error(`ollama /api/blobs answered ${res.status}: ${await res.text()}`);
      await api('/api/create', {
        model: name,
        files: { [path.basename(ggufFile)]: digest },
        template,
        stream: false,
      });
    },
    async warm(name) {
      await api('/api/generate', {
        model: name,
        prompt: 'hello',
        stream: false,
        options: { num_predict: 1 },
      });
    },
    kill: killAll,
    async restart() {
      await killAll();
      await launch();
    },
    logTail: () => log,
    async stop() {
      process.removeListener('exit', onExit);
      await killAll();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function killGroup(proc: ChildProcess): void {
  try {
    if (proc.pid !== undefined) process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
