/**
 * The Batches resource of the jobs server. Batches really execute: every request line is
 * forwarded to a target OpenAI-compatible server (the local model server) and the output and
 * error files are written as OpenAI writes them; the batch moves through OpenAI's states on the
 * server's clock.
 */
import { createHash } from 'crypto';
import { ApiError, invalidParam, missingParam } from '../../src/model-server/api-error';
import { metadataParam, newId, now, page, type Json } from './common';
import type { StoredFile } from './files';
import { BackgroundResource, type ServerParts } from './resource';

/** Faults of batches, for tests of the clients' recovery. */
export interface BatchFaults {
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
}

/** How batches run. */
export interface BatchesOptions {
  /** Base URL of the OpenAI-compatible server batch requests run against. */
  target?: string;
  /** Sent as `Authorization: Bearer …` to the target, when set. */
  targetApiKey?: string;
  /** Milliseconds from batch creation to completion. */
  delayMs: number;
  /** Parallel requests of one batch to the target. */
  concurrency: number;
  faults: BatchFaults;
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

/** One line of a batch's output or error file, and which of the two it goes to. */
type OutputLine = { line: string; ok: boolean };

/** The batch endpoints the server accepts (it executes chat and legacy completions and embeddings). */
const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];
const TERMINAL_BATCH: BatchStatus[] = ['failed', 'completed', 'expired', 'cancelled'];

/** Deterministic share in [0, 1) of a custom_id, for failure injection. */
function shareOf(customId: string): number {
  return createHash('sha256').update(customId).digest().readUInt32BE(0) / 2 ** 32;
}

/** The first problem of one input line, as OpenAI's validation error, or undefined. */
function lineProblem(x: Json, line: number, endpoint: string, seen: ReadonlySet<string>): Json | undefined {
  if (typeof x.custom_id !== 'string' || x.custom_id === '')
    return { code: 'missing_required_parameter', line, message: 'Missing custom_id.', param: 'custom_id' };
  if (seen.has(x.custom_id))
    return {
      code: 'duplicate_custom_id',
      line,
      message:
        'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
      param: 'custom_id',
    };
  if (x.method !== 'POST')
    return {
      code: 'invalid_value',
      line,
      message: "Invalid 'method': only POST is supported.",
      param: 'method',
    };
  if (x.url !== endpoint)
    return {
      code: 'mismatched_endpoint',
      line,
      message: `The provided URL '${String(x.url)}' does not match the batch endpoint '${endpoint}'.`,
      param: 'url',
    };
  if (!x.body || typeof x.body !== 'object')
    return { code: 'missing_required_parameter', line, message: 'Missing body.', param: 'body' };
  return undefined;
}

/** Reads and checks an input file; returns its requests or the validation errors (at most 10). */
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
      let x: Json;
      try {
        x = JSON.parse(raw) as Json;
      } catch {
        errors.push({
          code: 'invalid_json_line',
          line: i + 1,
          message: 'This line is not parseable as valid JSON.',
          param: null,
        });
        return;
      }
      const problem = lineProblem(x, i + 1, endpoint, seen);
      if (problem) errors.push(problem);
      else {
        seen.add(x.custom_id as string);
        requests.push({ customId: x.custom_id as string, body: x.body });
      }
    });
  if (requests.length === 0 && errors.length === 0)
    errors.push({ code: 'empty_file', line: null, message: 'The batch input file is empty.', param: null });
  return { requests, errors };
}

/** An error-file line for a request that got an HTTP error. */
function errorLine(customId: string, status: number, message: string, type: string): OutputLine {
  return {
    line: JSON.stringify({
      id: newId('batch_req_', 12),
      custom_id: customId,
      response: {
        status_code: status,
        request_id: newId('req_', 12),
        body: { error: { message, type, param: null, code: null } },
      },
      error: null,
    }),
    ok: false,
  };
}

/** An error-file line for a request the batch never ran before it expired. */
function expiredLine(customId: string): OutputLine {
  return {
    line: JSON.stringify({
      id: newId('batch_req_', 12),
      custom_id: customId,
      response: null,
      error: {
        code: 'batch_expired',
        message: 'This request could not be executed before the completion window expired.',
      },
    }),
    ok: false,
  };
}

/** The server's batches. */
export class Batches extends BackgroundResource<BatchRecord> {
  private readonly target: string | undefined;

  constructor(
    parts: ServerParts,
    private readonly opts: BatchesOptions,
  ) {
    super(parts);
    this.target = opts.target?.replace(/\/+$/, '');
  }

  /** `POST /v1/batches`: checks the request, then runs the batch in the background. */
  create(body: Json): Json {
    for (const p of ['input_file_id', 'endpoint', 'completion_window'])
      if (body[p] === undefined) throw missingParam(p);
    const inputFileId = body.input_file_id;
    if (typeof inputFileId !== 'string') throw invalidParam('input_file_id', "Invalid 'input_file_id'.");
    const file = this.parts.files.find(inputFileId);
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
    this.add(b);
    this.parts.stats.batchesCreated++;
    void this.run(b).catch(() => undefined);
    return b.obj;
  }

  /** `GET /v1/batches`: newest first. */
  list(query: URLSearchParams): Json {
    return page(this.newestFirst(), query);
  }

  /** `POST /v1/batches/{id}/cancel`: `cancelling`, then `cancelled` with the partial output. */
  cancel(id: string): Json {
    const b = this.record(id);
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
    this.parts.timers.later(this.opts.delayMs / 5, () => {
      this.writeFiles(b);
      Object.assign(b.obj, { status: 'cancelled', cancelled_at: now() });
    });
    return b.obj;
  }

  /** Stops every running batch (the server is closing). */
  stopAll(): void {
    for (const b of this.all()) b.stop = true;
  }

  protected notFound(id: string): ApiError {
    return new ApiError(404, `No batch found with id '${id}'.`, 'invalid_request_error', 'batch_id', null);
  }

  /** One request of a batch: forwarded to the target, or failed by a fault. */
  private async runRequest(endpoint: string, customId: string, body: unknown): Promise<OutputLine> {
    const faults = this.opts.faults;
    const injected =
      (faults.failCustomIds ?? []).includes(customId) ||
      shareOf(customId) < (faults.batchRequestFailureRate ?? 0);
    if (injected)
      return errorLine(
        customId,
        500,
        'The server had an error while processing your request.',
        'server_error',
      );
    if (!this.target)
      return errorLine(
        customId,
        500,
        'The jobs server has no target to run batch requests against.',
        'server_error',
      );
    this.parts.stats.batchRequestsForwarded++;
    try {
      const r = await fetch(`${this.target}${endpoint.replace(/^\/v1/, '')}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.opts.targetApiKey ? { authorization: `Bearer ${this.opts.targetApiKey}` } : {}),
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
          id: newId('batch_req_', 12),
          custom_id: customId,
          response: {
            status_code: r.status,
            request_id: r.headers.get('x-request-id') ?? newId('req_', 12),
            body: parsed,
          },
          error: null,
        }),
        ok: r.ok,
      };
    } catch (e) {
      return errorLine(
        customId,
        500,
        `The request could not reach the model: ${(e as Error).message}`,
        'server_error',
      );
    }
  }

  /** Writes the output and error files of a finished (or stopped) batch. */
  private writeFiles(b: BatchRecord): void {
    const write = (lines: string[], kind: string) =>
      lines.length > 0
        ? this.parts.files.store(
            `batch_${b.obj.id}_${kind}.jsonl`,
            'batch_output',
            Buffer.from(lines.join('\n') + '\n'),
          ).id
        : undefined;
    const out = write(
      b.outputs.filter((o) => o.ok).map((o) => o.line),
      'output',
    );
    const err = write(
      b.outputs.filter((o) => !o.ok).map((o) => o.line),
      'error',
    );
    if (out) b.obj.output_file_id = out;
    if (err) b.obj.error_file_id = err;
  }

  /** Runs `requests` through the target with bounded concurrency, until done or stopped. */
  private async execute(b: BatchRecord, requests: Array<{ customId: string; body: unknown }>): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!b.stop && next < requests.length) {
        const r = requests[next++] as (typeof requests)[number];
        const out = await this.runRequest(b.obj.endpoint as string, r.customId, r.body);
        if (b.stop && b.obj.status !== 'cancelling') return;
        b.outputs.push(out);
        b.obj.request_counts[out.ok ? 'completed' : 'failed']++;
      }
    };
    await Promise.all(Array.from({ length: this.opts.concurrency }, worker));
  }

  /** validating → in_progress → finalizing → completed (or failed, expired, cancelled). */
  private async run(b: BatchRecord): Promise<void> {
    const t0 = Date.now();
    const { delayMs, faults } = this.opts;
    await this.parts.timers.sleep(delayMs / 5);
    if (b.stop) return;
    const file = this.parts.files.get(b.obj.input_file_id as string);
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
    await this.execute(b, runnable);
    if (this.parts.timers.closed || b.obj.status === 'cancelling' || b.obj.status === 'cancelled') return;
    const rest = Math.max(0, delayMs - (Date.now() - t0));
    if (faults.expireBatches) {
      await this.parts.timers.sleep(rest);
      if (b.obj.status !== 'in_progress') return;
      for (const r of requests.slice(runnable.length)) b.outputs.push(expiredLine(r.customId));
      this.writeFiles(b);
      Object.assign(b.obj, { status: 'expired', expired_at: now() });
      return;
    }
    await this.parts.timers.sleep(rest * 0.6);
    if (b.obj.status !== 'in_progress') return;
    Object.assign(b.obj, { status: 'finalizing', finalizing_at: now() });
    await this.parts.timers.sleep(rest * 0.4);
    if ((b.obj.status as BatchStatus) !== 'finalizing') return;
    this.writeFiles(b);
    Object.assign(b.obj, { status: 'completed', completed_at: now() });
  }
}
