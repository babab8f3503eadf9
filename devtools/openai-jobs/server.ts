/**
 * A fake of OpenAI's job APIs — Files, Batches and fine-tuning jobs — in the shapes of the API
 * reference, for the tests and for offline runs of the Batch API and fine-tuning backends. This
 * module routes requests to the three resources (files.ts, batches.ts, fine-tuning-jobs.ts).
 * Batches really execute against a target OpenAI-compatible server. Fine-tuning jobs train a
 * real model only when given a `fineTuner` (`rlaif serve-local --jobs-port` passes the local
 * model server's DPO trainer); otherwise they run on a clock and train nothing. Faults (failed
 * requests, expired batches, failed jobs) and create counters let tests check the clients'
 * recovery and idempotency. Node's http only; state lives in memory. See docs/openai-jobs.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { ApiError, asApiError, checkBearer } from '../../src/model-server/api-error';
import { readBody } from '../../src/model-server/read-body';
import { Batches, type BatchFaults } from './batches';
import { newId, Timers, type Json, type OpenAIJobsServerStats } from './common';
import { Files } from './files';
import { FineTuningJobs, type FineTuner } from './fine-tuning-jobs';

/** Fault injection of the jobs server. */
export interface JobsServerFaults extends BatchFaults {
  /** Fine-tuning jobs fail while running (error code `server_error`). */
  failFineTunes?: boolean;
}

/** Options of `startOpenAIJobsServer`. */
export interface OpenAIJobsServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Base URL of the OpenAI-compatible server batches run against, e.g. the local model server's `url`. */
  target?: string;
  /** Sent as `Authorization: Bearer …` to the target, when set. */
  targetApiKey?: string;
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** Milliseconds from batch creation to completion (default 300). */
  batchDelayMs?: number;
  /** Milliseconds from job creation to success (default 300). */
  fineTuneDelayMs?: number;
  /** Parallel requests of one batch to the target (default 4). */
  batchConcurrency?: number;
  faults?: JobsServerFaults;
  /**
   * Trains for real: DPO jobs call it with the validated training file once running, and the job
   * succeeds with the model name it returns (which whoever serves models must then serve).
   * Without it jobs run on a clock and train nothing.
   */
  fineTuner?: FineTuner;
}

/** A running jobs server. */
export interface OpenAIJobsServer {
  /** The base URL for an OpenAI client, e.g. http://127.0.0.1:41234/v1. */
  url: string;
  port: number;
  /** Stops listening, stops running batches and jobs. */
  close(): Promise<void>;
  stats(): OpenAIJobsServerStats;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A routed answer: JSON, or a file's bytes. */
type Answer = { json?: unknown; bytes?: Buffer };

/** The request's JSON object body, or OpenAI's 400 for an unparseable one. */
function jsonBody(raw: Buffer): Json {
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  } catch {
    // reported below
  }
  throw new ApiError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
}

/** One endpoint: its method, its path (with the object id captured, if any), and its handler. */
type Route = [
  method: string,
  path: RegExp,
  answer: (id: string, query: URLSearchParams, req: IncomingMessage, raw: Buffer) => Answer,
];

/** Maps a method and path to the resource that answers it. */
function router(files: Files, batches: Batches, jobs: FineTuningJobs) {
  const routes: Route[] = [
    ['POST', /^\/v1\/files$/, (_id, _q, req, raw) => ({ json: files.create(req, raw) })],
    ['GET', /^\/v1\/files$/, (_id, q) => ({ json: files.list(q) })],
    ['GET', /^\/v1\/files\/([^/]+)\/content$/, (id) => ({ bytes: files.get(id).data })],
    ['GET', /^\/v1\/files\/([^/]+)$/, (id) => ({ json: files.get(id).meta })],
    ['POST', /^\/v1\/batches$/, (_id, _q, _req, raw) => ({ json: batches.create(jsonBody(raw)) })],
    ['GET', /^\/v1\/batches$/, (_id, q) => ({ json: batches.list(q) })],
    ['GET', /^\/v1\/batches\/([^/]+)$/, (id) => ({ json: batches.get(id) })],
    ['POST', /^\/v1\/batches\/([^/]+)\/cancel$/, (id) => ({ json: batches.cancel(id) })],
    ['POST', /^\/v1\/fine_tuning\/jobs$/, (_id, _q, _req, raw) => ({ json: jobs.create(jsonBody(raw)) })],
    ['GET', /^\/v1\/fine_tuning\/jobs$/, (_id, q) => ({ json: jobs.list(q) })],
    ['GET', /^\/v1\/fine_tuning\/jobs\/([^/]+)$/, (id) => ({ json: jobs.get(id) })],
    ['GET', /^\/v1\/fine_tuning\/jobs\/([^/]+)\/events$/, (id, q) => ({ json: jobs.events(id, q) })],
    ['POST', /^\/v1\/fine_tuning\/jobs\/([^/]+)\/cancel$/, (id) => ({ json: jobs.cancel(id) })],
  ];
  return (req: IncomingMessage, raw: Buffer): Answer => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    for (const [m, re, answer] of routes) {
      const hit = m === method ? re.exec(path) : null;
      if (hit) return answer(decodeURIComponent(hit[1] ?? ''), url.searchParams, req, raw);
    }
    throw new ApiError(404, `Invalid URL (${method} ${url.pathname})`, 'invalid_request_error', null, null);
  };
}

/** Writes an answer with OpenAI's headers. */
function send(res: ServerResponse, status: number, out: Answer): void {
  if (res.destroyed) return;
  const requestId = newId('req_', 12);
  if (out.bytes) {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': out.bytes.length,
      'x-request-id': requestId,
    });
    res.end(out.bytes);
    return;
  }
  const text = JSON.stringify(out.json);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId,
  });
  res.end(text);
}

/** Starts the jobs server; resolves once it listens. */
export async function startOpenAIJobsServer(opts: OpenAIJobsServerOptions = {}): Promise<OpenAIJobsServer> {
  const faults = opts.faults ?? {};
  const stats: OpenAIJobsServerStats = {
    filesCreated: 0,
    batchesCreated: 0,
    fineTuningJobsCreated: 0,
    batchRequestsForwarded: 0,
  };
  const timers = new Timers();
  const files = new Files(stats);
  const parts = { files, timers, stats };
  const batches = new Batches(parts, {
    target: opts.target,
    targetApiKey: opts.targetApiKey,
    delayMs: opts.batchDelayMs ?? 300,
    concurrency: Math.max(1, opts.batchConcurrency ?? 4),
    faults,
  });
  const jobs = new FineTuningJobs(parts, {
    delayMs: opts.fineTuneDelayMs ?? 300,
    fineTuner: opts.fineTuner,
    failFineTunes: faults.failFineTunes,
  });
  const route = router(files, batches, jobs);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const raw = await readBody(req, MAX_BODY_BYTES);
      checkBearer(req.headers.authorization, opts.apiKey);
      send(res, 200, route(req, raw));
    } catch (err) {
      const e = asApiError(err);
      send(res, e.status, { json: e.body() });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}/v1`,
    port,
    stats: () => ({ ...stats }),
    close: async () => {
      timers.close();
      batches.stopAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
