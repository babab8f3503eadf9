/**
 * A protocol test server for the two OpenAI job APIs no local model can play: Files, Batches and
 * fine-tuning jobs, in the shapes of the OpenAI API reference. Batches really execute: every
 * request line is forwarded to a target OpenAI-compatible server (the local model server) and the
 * output and error files are written as OpenAI writes them. Fine-tuning jobs validate the
 * training file (DPO or supervised format), then run through queued → running → succeeded on a
 * clock, with events; they train nothing. Faults (failed requests, expired batches, failed jobs)
 * and create counters let tests check the clients' recovery and idempotency. Node's http only;
 * state lives in memory. See docs/openai-jobs.md.
 */
import { createHash, randomBytes } from 'crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { ApiError, asApiError, checkBearer, invalidParam, missingParam } from '../../src/model-server/api-error';
import { readBody } from '../../src/model-server/read-body';
import { multipartBoundary, parseMultipart } from './multipart';

/** Fault injection of the jobs server. */
export interface JobsServerFaults {
  /** Share (0–1) of batch requests that fail with HTTP 500, chosen by a hash of their custom_id. */
  batchRequestFailureRate?: number;
  /** custom_ids that always fail with HTTP 500. */
  failCustomIds?: readonly string[];
  /**
   * Batches expire at the end of their run instead of completing: only the first
   * `expireAfterShare` of the requests (default 0.5) are executed, the rest go to the error file
   * with code `batch_expired`.
   */
  expireBatches?: boolean;
  expireAfterShare?: number;
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

/** What a real fine-tuner gets for one job. */
export interface FineTuneRequest {
  jobId: string;
  /** The base model the job names. */
  model: string;
  /** The name the new model must be served under. */
  fineTunedModel: string;
  /** The training file's JSONL text, already validated. */
  trainingJsonl: string;
  hyperparameters: Record<string, unknown>;
  seed: number | undefined;
  /** Reports a training step; shown as a metrics event of the job. */
  onStep(step: number, totalSteps: number, trainLoss: number): void;
  /** Aborted when the job is cancelled. */
  signal: AbortSignal;
}

/** Trains one job's model and serves it under `fineTunedModel`. */
export type FineTuner = (request: FineTuneRequest) => Promise<void>;

/** Counters for tests: how many objects were created and requests forwarded. */
export interface OpenAIJobsServerStats {
  filesCreated: number;
  batchesCreated: number;
  fineTuningJobsCreated: number;
  batchRequestsForwarded: number;
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

type Json = Record<string, unknown>;

interface StoredFile {
  meta: {
    id: string;
    object: 'file';
    bytes: number;
    created_at: number;
    filename: string;
    purpose: string;
    status: 'processed';
    expires_at: number | null;
    status_details: null;
  };
  data: Buffer;
}

type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

interface BatchRecord {
  obj: Json & {
    id: string;
    status: BatchStatus;
    request_counts: { total: number; completed: number; failed: number };
  };
  /** Output lines by custom_id, ok (output file) or not (error file). */
  outputs: Array<{ line: string; ok: boolean }>;
  stop: boolean;
}

type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

interface JobRecord {
  obj: Json & { id: string; status: JobStatus; created_at: number; metadata: Record<string, string> | null };
  events: Json[];
  /** When a real fine-tuner started on it (ms). */
  startedRunningAt?: number;
}

/** The batch endpoints the server accepts (it executes chat and legacy completions and embeddings). */
const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];
const TERMINAL_BATCH: BatchStatus[] = ['failed', 'completed', 'expired', 'cancelled'];
const TERMINAL_JOB: JobStatus[] = ['succeeded', 'failed', 'cancelled'];
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const now = (): number => Math.floor(Date.now() / 1000);
const newId = (prefix: string, bytes = 12): string => `${prefix}${randomBytes(bytes).toString('hex')}`;

/** Deterministic share in [0, 1) of a custom_id, for failure injection. */
function shareOf(customId: string): number {
  return createHash('sha256').update(customId).digest().readUInt32BE(0) / 2 ** 32;
}

/** OpenAI metadata: at most 16 string pairs, keys ≤ 64 chars, values ≤ 512 chars. */
function metadataParam(body: Json): Record<string, string> | null {
  const m = body.metadata;
  if (m === undefined || m === null) return null;
  if (typeof m !== 'object' || Array.isArray(m))
    throw invalidParam('metadata', "Invalid 'metadata': expected an object of string values.");
  const entries = Object.entries(m as Json);
  if (entries.length > 16)
    throw invalidParam('metadata', "Invalid 'metadata': too many keys, expected at most 16.");
  for (const [k, v] of entries) {
    if (k.length > 64)
      throw invalidParam(`metadata.${k}`, `Invalid 'metadata': key '${k}' is longer than 64 characters.`);
    if (typeof v !== 'string' || v.length > 512)
      throw invalidParam(
        `metadata.${k}`,
        `Invalid 'metadata.${k}': expected a string of at most 512 characters.`,
      );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** A cursor page in OpenAI's list shape: newest first, `after` = the id of the last item seen. */
function page(items: Json[], query: URLSearchParams): Json {
  const limitRaw = query.get('limit');
  const limit = limitRaw === null ? 20 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw invalidParam('limit', `Invalid 'limit': expected an integer between 1 and 100, got ${limitRaw}.`);
  const after = query.get('after');
  let start = 0;
  if (after !== null) {
    const i = items.findIndex((x) => x.id === after);
    start = i < 0 ? items.length : i + 1;
  }
  const data = items.slice(start, start + limit);
  return {
    object: 'list',
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data[data.length - 1]?.id as string | undefined) ?? null,
    has_more: start + limit < items.length,
  };
}

/** `metadata[k]=v` filters of a list query (the `openai` SDK writes nested objects in brackets). */
function metadataFilter(query: URLSearchParams): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of query) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m) out.push([m[1] as string, v]);
  }
  return out;
}

/** Problems of one DPO training line, as a message, or undefined when it is well formed. */
function dpoLineProblem(x: unknown): string | undefined {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return 'expected a JSON object';
  const o = x as Json;
  const input = o.input as Json | undefined;
  if (!input || typeof input !== 'object') return "missing 'input'";
  const msgs = input.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) return "'input.messages' must be a non-empty array";
  for (const [i, m] of msgs.entries()) {
    const mm = m as Json | null;
    if (
      !mm ||
      typeof mm.role !== 'string' ||
      !['system', 'developer', 'user', 'assistant', 'tool'].includes(mm.role)
    )
      return `'input.messages[${i}].role' is invalid`;
    if (typeof mm.content !== 'string' && !Array.isArray(mm.content))
      return `'input.messages[${i}].content' must be a string`;
  }
  for (const key of ['preferred_output', 'non_preferred_output']) {
    const out = o[key];
    if (out === undefined) return `missing '${key}'`;
    if (!Array.isArray(out) || out.length !== 1) return `'${key}' must be an array of exactly one message`;
    const m = out[0] as Json | null;
    if (!m || m.role !== 'assistant') return `'${key}[0].role' must be 'assistant'`;
    if (typeof m.content !== 'string' || m.content === '')
      return `'${key}[0].content' must be a non-empty string`;
  }
  return undefined;
}

/** Problems of one supervised training line, or undefined. */
function supervisedLineProblem(x: unknown): string | undefined {
  const msgs = (x as Json | null)?.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) return "'messages' must be a non-empty array";
  if (!msgs.some((m) => (m as Json | null)?.role === 'assistant'))
    return "no 'assistant' message to train on";
  return undefined;
}

/**
 * Validates a training file the way OpenAI's job does before training: every line JSON in the
 * method's format, and enough examples. Returns the first problem, or the token count.
 */
function validateTrainingFile(
  data: Buffer,
  method: 'dpo' | 'supervised',
): { ok: true; examples: number; tokens: number } | { ok: false; message: string } {
  const lines = data.toString('utf8').split('\n');
  let examples = 0;
  let tokens = 0;
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    let x: unknown;
    try {
      x = JSON.parse(raw);
    } catch {
      return { ok: false, message: `Invalid file format. Line ${i + 1} is not valid JSON.` };
    }
    const problem = method === 'dpo' ? dpoLineProblem(x) : supervisedLineProblem(x);
    if (problem)
      return {
        ok: false,
        message: `Invalid file format. Line ${i + 1}, example ${examples + 1}: ${problem}.`,
      };
    examples++;
    tokens += raw.split(/[\s"{}[\],:]+/).filter(Boolean).length;
  }
  if (examples < 1) return { ok: false, message: 'Invalid file format. The training file has no examples.' };
  return { ok: true, examples, tokens };
}

function positiveNumberOrAuto(v: unknown, integer: boolean, max: number): boolean {
  if (v === 'auto') return true;
  return (
    typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max && (!integer || Number.isInteger(v))
  );
}

/** Starts the jobs server; resolves once it listens. */
export async function startOpenAIJobsServer(opts: OpenAIJobsServerOptions = {}): Promise<OpenAIJobsServer> {
  const batchDelayMs = opts.batchDelayMs ?? 300;
  const fineTuneDelayMs = opts.fineTuneDelayMs ?? 300;
  const concurrency = Math.max(1, opts.batchConcurrency ?? 4);
  const faults = opts.faults ?? {};
  const target = opts.target?.replace(/\/+$/, '');
  const files = new Map<string, StoredFile>();
  const batches = new Map<string, BatchRecord>();
  const jobs = new Map<string, JobRecord>();
  const stats: OpenAIJobsServerStats = {
    filesCreated: 0,
    batchesCreated: 0,
    fineTuningJobsCreated: 0,
    batchRequestsForwarded: 0,
  };
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (ms: number, fn: () => void | Promise<void>): void => {
    if (closed) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) void Promise.resolve(fn()).catch(() => undefined);
    }, ms);
    timers.add(t);
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));

  const storeFile = (filename: string, purpose: string, data: Buffer): StoredFile['meta'] => {
    const meta: StoredFile['meta'] = {
      id: newId('file-', 12),
      object: 'file',
      bytes: data.length,
      created_at: now(),
      filename,
      purpose,
      status: 'processed',
      expires_at: null,
      status_details: null,
    };
    files.set(meta.id, { meta, data });
    return meta;
  };
  const fileOr404 = (id: string): StoredFile => {
    const f = files.get(id);
    if (!f) throw new ApiError(404, `No such File object: ${id}`, 'invalid_request_error', 'id', null);
    return f;
  };

  // ---------------------------------------------------------------------------------------------
  // Files

  function createFile(req: IncomingMessage, raw: Buffer): Json {
    const boundary = multipartBoundary(req.headers['content-type']);
    if (!boundary)
      throw new ApiError(
        400,
        'Invalid Content-Type header: expected multipart/form-data with a boundary.',
        'invalid_request_error',
      );
    const parts = parseMultipart(raw, boundary);
    const purposePart = parts.find((p) => p.name === 'purpose');
    const filePart = parts.find((p) => p.name === 'file');
    if (!purposePart) throw missingParam('purpose');
    if (!filePart || filePart.filename === undefined) throw missingParam('file');
    const purpose = purposePart.data.toString('utf8');
    const allowed = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
    if (!allowed.includes(purpose))
      throw invalidParam(
        'purpose',
        `Invalid 'purpose': expected one of ${allowed.join(', ')}, got '${purpose}'.`,
      );
    if ((purpose === 'batch' || purpose === 'fine-tune') && !/\.jsonl$/i.test(filePart.filename))
      throw invalidParam(
        'file',
        `Invalid file '${filePart.filename}': purpose '${purpose}' needs a .jsonl file.`,
      );
    stats.filesCreated++;
    return storeFile(filePart.filename, purpose, filePart.data);
  }

  // ---------------------------------------------------------------------------------------------
  // Batches

  /** Reads and checks the input file; returns its requests or the validation errors. */
  function batchInput(
    file: StoredFile,
    endpoint: string,
  ): { requests: Array<{ customId: string; body: unknown }>; errors: Json[] } {
    const requests: Array<{ customId: string; body: unknown }> = [];
    const errors: Json[] = [];
    const seen = new Set<string>();
    file.data
      .toString('utf8')
      .split('\n')
      .forEach((raw, i) => {
        if (raw.trim() === '' || errors.length >= 10) return;
        const line = i + 1;
        let x: Json;
        try {
          x = JSON.parse(raw) as Json;
        } catch {
          errors.push({
            code: 'invalid_json_line',
            line,
            message: 'This line is not parseable as valid JSON.',
            param: null,
          });
          return;
        }
        if (typeof x.custom_id !== 'string' || x.custom_id === '')
          errors.push({
            code: 'missing_required_parameter',
            line,
            message: 'Missing custom_id.',
            param: 'custom_id',
          });
        else if (seen.has(x.custom_id))
          errors.push({
            code: 'duplicate_custom_id',
            line,
            message:
              'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
            param: 'custom_id',
          });
        else if (x.method !== 'POST')
          errors.push({
            code: 'invalid_value',
            line,
            message: "Invalid 'method': only POST is supported.",
            param: 'method',
          });
        else if (x.url !== endpoint)
          errors.push({
            code: 'mismatched_endpoint',
            line,
            message: `The provided URL '${String(x.url)}' does not match the batch endpoint '${endpoint}'.`,
            param: 'url',
          });
        else if (!x.body || typeof x.body !== 'object')
          errors.push({ code: 'missing_required_parameter', line, message: 'Missing body.', param: 'body' });
        else {
          seen.add(x.custom_id);
          requests.push({ customId: x.custom_id, body: x.body });
        }
      });
    if (requests.length === 0 && errors.length === 0)
      errors.push({ code: 'empty_file', line: null, message: 'The batch input file is empty.', param: null });
    return { requests, errors };
  }

  /** One request of a batch: forwarded to the target, or failed by a fault. */
  async function runRequest(
    endpoint: string,
    customId: string,
    body: unknown,
  ): Promise<{ line: string; ok: boolean }> {
    const id = newId('batch_req_', 12);
    const requestId = newId('req_', 12);
    const errorLine = (status: number, message: string, type: string) => ({
      line: JSON.stringify({
        id,
        custom_id: customId,
        response: {
          status_code: status,
          request_id: requestId,
          body: { error: { message, type, param: null, code: null } },
        },
        error: null,
      }),
      ok: false,
    });
    const injected =
      (faults.failCustomIds ?? []).includes(customId) ||
      shareOf(customId) < (faults.batchRequestFailureRate ?? 0);
    if (injected)
      return errorLine(500, 'The server had an error while processing your request.', 'server_error');
    if (!target)
      return errorLine(500, 'The jobs server has no target to run batch requests against.', 'server_error');
    stats.batchRequestsForwarded++;
    try {
      const r = await fetch(`${target}${endpoint.replace(/^\/v1/, '')}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts.targetApiKey ? { authorization: `Bearer ${opts.targetApiKey}` } : {}),
        },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { error: { message: text, type: 'server_error', param: null, code: null } };
      }
      return {
        line: JSON.stringify({
          id,
          custom_id: customId,
          response: {
            status_code: r.status,
            request_id: r.headers.get('x-request-id') ?? requestId,
            body: parsed,
          },
          error: null,
        }),
        ok: r.ok,
      };
    } catch (e) {
      return errorLine(500, `The request could not reach the model: ${(e as Error).message}`, 'server_error');
    }
  }

  /** Writes the output and error files of a finished (or stopped) batch. */
  function writeBatchFiles(b: BatchRecord): void {
    const ok = b.outputs.filter((o) => o.ok).map((o) => o.line);
    const bad = b.outputs.filter((o) => !o.ok).map((o) => o.line);
    const write = (lines: string[], kind: string) =>
      lines.length > 0
        ? storeFile(`batch_${b.obj.id}_${kind}.jsonl`, 'batch_output', Buffer.from(lines.join('\n') + '\n'))
            .id
        : undefined;
    const out = write(ok, 'output');
    const err = write(bad, 'error');
    if (out) b.obj.output_file_id = out;
    if (err) b.obj.error_file_id = err;
  }

  async function runBatch(b: BatchRecord): Promise<void> {
    const t0 = Date.now();
    await sleep(batchDelayMs / 5);
    if (b.stop) return;
    const file = files.get(b.obj.input_file_id as string) as StoredFile;
    const { requests, errors } = batchInput(file, b.obj.endpoint as string);
    if (errors.length > 0) {
      Object.assign(b.obj, { status: 'failed', failed_at: now(), errors: { object: 'list', data: errors } });
      return;
    }
    Object.assign(b.obj, {
      status: 'in_progress',
      in_progress_at: now(),
      request_counts: { total: requests.length, completed: 0, failed: 0 },
    });
    const runnable = faults.expireBatches
      ? requests.slice(0, Math.floor(requests.length * (faults.expireAfterShare ?? 0.5)))
      : requests;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!b.stop && next < runnable.length) {
        const r = runnable[next++] as (typeof runnable)[number];
        const out = await runRequest(b.obj.endpoint as string, r.customId, r.body);
        if (b.stop && b.obj.status !== 'cancelling') return;
        b.outputs.push(out);
        b.obj.request_counts[out.ok ? 'completed' : 'failed']++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (closed || b.obj.status === 'cancelling' || b.obj.status === 'cancelled') return;
    const rest = Math.max(0, batchDelayMs - (Date.now() - t0));
    if (faults.expireBatches) {
      await sleep(rest);
      if (b.obj.status !== 'in_progress') return;
      for (const r of requests.slice(runnable.length)) {
        b.outputs.push({
          line: JSON.stringify({
            id: newId('batch_req_', 12),
            custom_id: r.customId,
            response: null,
            error: {
              code: 'batch_expired',
              message: 'This request could not be executed before the completion window expired.',
            },
          }),
          ok: false,
        });
      }
      writeBatchFiles(b);
      Object.assign(b.obj, { status: 'expired', expired_at: now() });
      return;
    }
    await sleep(rest * 0.6);
    if (b.obj.status !== 'in_progress') return;
    Object.assign(b.obj, { status: 'finalizing', finalizing_at: now() });
    await sleep(rest * 0.4);
    if ((b.obj.status as BatchStatus) !== 'finalizing') return;
    writeBatchFiles(b);
    Object.assign(b.obj, { status: 'completed', completed_at: now() });
  }

  function createBatch(body: Json): Json {
    for (const p of ['input_file_id', 'endpoint', 'completion_window'])
      if (body[p] === undefined) throw missingParam(p);
    const inputFileId = body.input_file_id;
    if (typeof inputFileId !== 'string') throw invalidParam('input_file_id', "Invalid 'input_file_id'.");
    const file = files.get(inputFileId);
    if (!file)
      throw new ApiError(
        404,
        `No such File object: ${inputFileId}`,
        'invalid_request_error',
        'input_file_id',
        null,
      );
    if (file.meta.purpose !== 'batch')
      throw invalidParam(
        'input_file_id',
        `The input file ${inputFileId} has purpose '${file.meta.purpose}'; a batch needs a file with purpose 'batch'.`,
      );
    if (typeof body.endpoint !== 'string' || !BATCH_ENDPOINTS.includes(body.endpoint))
      throw invalidParam(
        'endpoint',
        `Invalid 'endpoint': this server runs ${BATCH_ENDPOINTS.join(', ')}, got ${JSON.stringify(body.endpoint)}.`,
      );
    if (body.completion_window !== '24h')
      throw invalidParam('completion_window', "Invalid 'completion_window': only '24h' is supported.");
    const metadata = metadataParam(body);
    const created = now();
    const b: BatchRecord = {
      obj: {
        id: newId('batch_', 12),
        object: 'batch',
        endpoint: body.endpoint,
        errors: null,
        input_file_id: inputFileId,
        completion_window: '24h',
        status: 'validating',
        output_file_id: null,
        error_file_id: null,
        created_at: created,
        in_progress_at: null,
        expires_at: created + 24 * 3600,
        finalizing_at: null,
        completed_at: null,
        failed_at: null,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
        request_counts: { total: 0, completed: 0, failed: 0 },
        metadata,
      },
      outputs: [],
      stop: false,
    };
    batches.set(b.obj.id, b);
    stats.batchesCreated++;
    void runBatch(b).catch(() => undefined);
    return b.obj;
  }

  const batchOr404 = (id: string): BatchRecord => {
    const b = batches.get(id);
    if (!b)
      throw new ApiError(404, `No batch found with id '${id}'.`, 'invalid_request_error', 'batch_id', null);
    return b;
  };

  function cancelBatch(id: string): Json {
    const b = batchOr404(id);
    if (TERMINAL_BATCH.includes(b.obj.status) || b.obj.status === 'cancelling') {
      if (b.obj.status === 'cancelled' || b.obj.status === 'cancelling') return b.obj;
      throw new ApiError(
        409,
        `Cannot cancel a batch with status '${b.obj.status}'.`,
        'invalid_request_error',
        null,
        null,
      );
    }
    b.stop = true;
    Object.assign(b.obj, { status: 'cancelling', cancelling_at: now() });
    later(batchDelayMs / 5, () => {
      writeBatchFiles(b);
      Object.assign(b.obj, { status: 'cancelled', cancelled_at: now() });
    });
    return b.obj;
  }

  // ---------------------------------------------------------------------------------------------
  // Fine-tuning jobs

  const event = (
    j: JobRecord,
    message: string,
    level = 'info',
    type = 'message',
    data: unknown = null,
  ): void => {
    // Events are listed newest first, as OpenAI lists them.
    j.events.unshift({
      object: 'fine_tuning.job.event',
      id: newId('ftevent-', 12),
      created_at: now(),
      level,
      message,
      data,
      type,
    });
  };

  async function runJob(j: JobRecord, method: 'dpo' | 'supervised', nEpochs: number): Promise<void> {
    const o = j.obj;
    await sleep(fineTuneDelayMs / 5);
    if (o.status !== 'validating_files') return;
    const file = files.get(o.training_file as string) as StoredFile;
    const v = validateTrainingFile(file.data, method);
    if (!v.ok) {
      Object.assign(o, {
        status: 'failed',
        finished_at: now(),
        error: {
          code: 'invalid_training_file',
          message: `The job failed due to an invalid training file. ${v.message}`,
          param: 'training_file',
        },
      });
      event(j, `Training file ${file.meta.id} failed validation: ${v.message}`, 'error');
      return;
    }
    event(j, `Validated training file: ${v.examples} examples`);
    o.status = 'queued';
    await sleep(fineTuneDelayMs / 5);
    if (o.status !== 'queued') return;
    o.status = 'running';
    o.estimated_finish = now() + Math.ceil(fineTuneDelayMs / 1000);
    event(j, 'Fine-tuning job started');
    const suffix = typeof o.user_provided_suffix === 'string' ? o.user_provided_suffix : 'personal';
    const model = `ft:${o.model as string}:${suffix}:${o.id.replace(/^ftjob-/, '').slice(0, 8)}`;
    if (opts.fineTuner && method === 'dpo') {
      if (faults.failFineTunes) {
        failInternally(j);
        return;
      }
      j.startedRunningAt = Date.now();
      await trainForReal(j, model, file);
      return;
    }
    const steps = 3;
    for (let s = 1; s <= steps; s++) {
      await sleep((fineTuneDelayMs * 3) / 5 / (steps + 1));
      if (o.status !== 'running') return;
      if (faults.failFineTunes && s === 2) {
        failInternally(j);
        return;
      }
      const loss = 0.69 / (1 + s);
      event(j, `Step ${s}/${steps}: training loss=${loss.toFixed(4)}`, 'info', 'metrics', {
        step: s,
        total_steps: steps,
        train_loss: loss,
      });
    }
    await sleep((fineTuneDelayMs * 3) / 5 / (steps + 1));
    if (o.status !== 'running') return;
    const results = storeFile(
      'step_metrics.csv',
      'fine-tune-results',
      Buffer.from('step,train_loss\n1,0.345\n2,0.23\n3,0.1725\n'),
    );
    Object.assign(o, {
      status: 'succeeded',
      finished_at: now(),
      estimated_finish: null,
      fine_tuned_model: model,
      trained_tokens: v.tokens * nEpochs,
      result_files: [results.id],
    });
    event(j, `New fine-tuned model created: ${model}`);
    event(j, 'The job has successfully completed');
  }

  /** The fault `failFineTunes`: the job fails while running, as OpenAI's do on internal errors. */
  function failInternally(j: JobRecord): void {
    Object.assign(j.obj, {
      status: 'failed',
      finished_at: now(),
      estimated_finish: null,
      error: { code: 'server_error', message: 'The job failed due to an internal error.', param: null },
    });
    event(j, 'The job failed due to an internal error.', 'error');
  }

  /** A DPO job through `opts.fineTuner`: its steps become metrics events; cancel aborts it. */
  async function trainForReal(j: JobRecord, model: string, file: StoredFile): Promise<void> {
    const o = j.obj;
    const abort = new AbortController();
    const watch = setInterval(() => {
      if (o.status !== 'running') abort.abort();
    }, 50);
    let lastLoss = Number.NaN;
    try {
      await (opts.fineTuner as FineTuner)({
        jobId: o.id,
        model: o.model as string,
        fineTunedModel: model,
        trainingJsonl: file.data.toString('utf8'),
        // The method's hyperparameters, with the service's choices for "auto" filled in (DPO's beta too).
        hyperparameters: (((o.method as Json).dpo as Json).hyperparameters ?? {}) as Record<string, unknown>,
        seed: typeof o.seed === 'number' ? o.seed : undefined,
        onStep: (step, total, loss) => {
          lastLoss = loss;
          event(j, `Step ${step}/${total}: training loss=${loss.toFixed(4)}`, 'info', 'metrics', {
            step,
            total_steps: total,
            train_loss: loss,
          });
        },
        signal: abort.signal,
      });
    } catch (e) {
      if (o.status !== 'running') return;
      Object.assign(o, {
        status: 'failed',
        finished_at: now(),
        estimated_finish: null,
        error: { code: 'server_error', message: `The job failed: ${(e as Error).message}`, param: null },
      });
      event(j, `The job failed: ${(e as Error).message}`, 'error');
      return;
    } finally {
      clearInterval(watch);
    }
    // A job takes at least the configured time, however fast the training was.
    await sleep(Math.max(0, (j.startedRunningAt ?? 0) + (fineTuneDelayMs * 3) / 5 - Date.now()));
    if (o.status !== 'running') return;
    const results = storeFile(
      'step_metrics.csv',
      'fine-tune-results',
      Buffer.from(`step,train_loss\nfinal,${Number.isFinite(lastLoss) ? lastLoss : ''}\n`),
    );
    Object.assign(o, {
      status: 'succeeded',
      finished_at: now(),
      estimated_finish: null,
      fine_tuned_model: model,
      result_files: [results.id],
    });
    event(j, `New fine-tuned model created: ${model}`);
    event(j, 'The job has successfully completed');
  }

  function createJob(body: Json): Json {
    if (body.model === undefined) throw missingParam('model');
    if (body.training_file === undefined) throw missingParam('training_file');
    if (typeof body.model !== 'string' || body.model === '') throw invalidParam('model', "Invalid 'model'.");
    const fileId = body.training_file;
    if (typeof fileId !== 'string') throw invalidParam('training_file', "Invalid 'training_file'.");
    const file = files.get(fileId);
    if (!file)
      throw new ApiError(
        400,
        `invalid training_file: ${fileId}`,
        'invalid_request_error',
        'training_file',
        'invalid_training_file',
      );
    if (file.meta.purpose !== 'fine-tune')
      throw new ApiError(
        400,
        `File ${fileId} has purpose '${file.meta.purpose}'; fine-tuning needs a file uploaded with purpose 'fine-tune'.`,
        'invalid_request_error',
        'training_file',
        'invalid_training_file',
      );
    const suffix = body.suffix;
    if (suffix !== undefined && suffix !== null && (typeof suffix !== 'string' || suffix.length > 64))
      throw invalidParam('suffix', "Invalid 'suffix': expected a string of at most 64 characters.");
    const methodIn = (body.method ?? { type: 'supervised' }) as Json;
    const type = methodIn.type;
    if (type !== 'dpo' && type !== 'supervised')
      throw invalidParam(
        'method.type',
        `Invalid 'method.type': this server runs 'supervised' and 'dpo', got ${JSON.stringify(type)}.`,
      );
    const hp =
      (((methodIn[type] as Json | undefined)?.hyperparameters ?? body.hyperparameters ?? {}) as Json) || {};
    const limits: Record<string, [boolean, number]> = {
      n_epochs: [true, 50],
      batch_size: [true, 256],
      learning_rate_multiplier: [false, 10],
      ...(type === 'dpo' ? { beta: [false, 2] as [boolean, number] } : {}),
    };
    for (const [k, v] of Object.entries(hp)) {
      const lim = limits[k];
      if (!lim)
        throw invalidParam(
          `method.${type}.hyperparameters.${k}`,
          `Unknown hyperparameter '${k}' for method '${type}'.`,
        );
      if (!positiveNumberOrAuto(v, lim[0], lim[1]))
        throw invalidParam(
          `method.${type}.hyperparameters.${k}`,
          `Invalid 'method.${type}.hyperparameters.${k}': expected 'auto' or a ${lim[0] ? 'positive integer' : 'positive number'} at most ${lim[1]}, got ${JSON.stringify(v)}.`,
        );
    }
    const resolved: Json = {
      batch_size: hp.batch_size === undefined || hp.batch_size === 'auto' ? 1 : hp.batch_size,
      learning_rate_multiplier:
        hp.learning_rate_multiplier === undefined || hp.learning_rate_multiplier === 'auto'
          ? 1
          : hp.learning_rate_multiplier,
      n_epochs: hp.n_epochs === undefined || hp.n_epochs === 'auto' ? 3 : hp.n_epochs,
      ...(type === 'dpo' ? { beta: hp.beta === undefined || hp.beta === 'auto' ? 0.1 : hp.beta } : {}),
    };
    const seed = body.seed;
    if (seed !== undefined && seed !== null && (typeof seed !== 'number' || !Number.isInteger(seed)))
      throw invalidParam('seed', "Invalid 'seed': expected an integer.");
    const j: JobRecord = {
      obj: {
        object: 'fine_tuning.job',
        id: newId('ftjob-', 12),
        model: body.model,
        created_at: now(),
        finished_at: null,
        fine_tuned_model: null,
        organization_id: 'org-local',
        result_files: [],
        status: 'validating_files',
        validation_file: typeof body.validation_file === 'string' ? body.validation_file : null,
        training_file: fileId,
        hyperparameters: {
          batch_size: resolved.batch_size,
          learning_rate_multiplier: resolved.learning_rate_multiplier,
          n_epochs: resolved.n_epochs,
        },
        method: { type, [type]: { hyperparameters: resolved } },
        trained_tokens: null,
        error: null,
        user_provided_suffix: typeof suffix === 'string' ? suffix : null,
        seed: typeof seed === 'number' ? seed : Math.floor(Math.random() * 2 ** 31),
        estimated_finish: null,
        integrations: [],
        metadata: metadataParam(body),
      },
      events: [],
    };
    jobs.set(j.obj.id, j);
    stats.fineTuningJobsCreated++;
    event(j, `Validating training file: ${fileId}`);
    event(j, `Created fine-tuning job: ${j.obj.id}`);
    void runJob(j, type, resolved.n_epochs as number).catch(() => undefined);
    return j.obj;
  }

  const jobOr404 = (id: string): JobRecord => {
    const j = jobs.get(id);
    if (!j)
      throw new ApiError(
        404,
        `Could not find fine-tune: ${id}`,
        'invalid_request_error',
        'fine_tune_id',
        'fine_tune_not_found',
      );
    return j;
  };

  function cancelJob(id: string): Json {
    const j = jobOr404(id);
    if (j.obj.status === 'cancelled') return j.obj;
    if (TERMINAL_JOB.includes(j.obj.status))
      throw new ApiError(
        400,
        `Job has already ${j.obj.status === 'succeeded' ? 'completed' : 'failed'}.`,
        'invalid_request_error',
        null,
        null,
      );
    Object.assign(j.obj, { status: 'cancelled', finished_at: now(), estimated_finish: null });
    event(j, 'Fine-tuning job cancelled');
    return j.obj;
  }

  // ---------------------------------------------------------------------------------------------
  // Routing

  const newestFirst = <T extends { obj: Json }>(m: Map<string, T>): Json[] =>
    [...m.values()].map((x) => x.obj).reverse();

  async function route(req: IncomingMessage, raw: Buffer): Promise<{ json?: unknown; bytes?: Buffer }> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const json = (): Json => {
      try {
        const v = JSON.parse(raw.toString('utf8')) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
      } catch {
        // reported below
      }
      throw new ApiError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
    };
    const is = (m: string, re: RegExp): RegExpExecArray | null => (method === m ? re.exec(path) : null);
    let m: RegExpExecArray | null;

    if (is('POST', /^\/v1\/files$/)) return { json: createFile(req, raw) };
    if (is('GET', /^\/v1\/files$/)) {
      const purpose = url.searchParams.get('purpose');
      const all: Json[] = [...files.values()].map((f) => f.meta).reverse();
      return { json: page(purpose ? all.filter((f) => f.purpose === purpose) : all, url.searchParams) };
    }
    if ((m = is('GET', /^\/v1\/files\/([^/]+)\/content$/)))
      return { bytes: fileOr404(decodeURIComponent(m[1] as string)).data };
    if ((m = is('GET', /^\/v1\/files\/([^/]+)$/)))
      return { json: fileOr404(decodeURIComponent(m[1] as string)).meta };

    if (is('POST', /^\/v1\/batches$/)) return { json: createBatch(json()) };
    if (is('GET', /^\/v1\/batches$/)) return { json: page(newestFirst(batches), url.searchParams) };
    if ((m = is('GET', /^\/v1\/batches\/([^/]+)$/)))
      return { json: batchOr404(decodeURIComponent(m[1] as string)).obj };
    if ((m = is('POST', /^\/v1\/batches\/([^/]+)\/cancel$/)))
      return { json: cancelBatch(decodeURIComponent(m[1] as string)) };

    if (is('POST', /^\/v1\/fine_tuning\/jobs$/)) return { json: createJob(json()) };
    if (is('GET', /^\/v1\/fine_tuning\/jobs$/)) {
      const filter = metadataFilter(url.searchParams);
      const all = newestFirst(jobs).filter((o) =>
        filter.every(([k, v]) => (o.metadata as Record<string, string> | null)?.[k] === v),
      );
      return { json: page(all, url.searchParams) };
    }
    if ((m = is('GET', /^\/v1\/fine_tuning\/jobs\/([^/]+)$/)))
      return { json: jobOr404(decodeURIComponent(m[1] as string)).obj };
    if ((m = is('GET', /^\/v1\/fine_tuning\/jobs\/([^/]+)\/events$/)))
      return { json: page(jobOr404(decodeURIComponent(m[1] as string)).events, url.searchParams) };
    if ((m = is('POST', /^\/v1\/fine_tuning\/jobs\/([^/]+)\/cancel$/)))
      return { json: cancelJob(decodeURIComponent(m[1] as string)) };

    throw new ApiError(404, `Invalid URL (${method} ${url.pathname})`, 'invalid_request_error', null, null);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newId('req_', 12);
    let status = 200;
    let out: { json?: unknown; bytes?: Buffer };
    try {
      const raw = await readBody(req, MAX_BODY_BYTES);
      checkBearer(req.headers.authorization, opts.apiKey);
      out = await route(req, raw);
    } catch (err) {
      const e = asApiError(err);
      status = e.status;
      out = { json: e.body() };
    }
    if (res.destroyed) return;
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
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const b of batches.values()) b.stop = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
