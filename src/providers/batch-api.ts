/**
 * Judging through OpenAI's Batch API (half the price, its own rate limits, answers within 24 h),
 * split into idempotent steps so a durable workflow can run them as activities with a durable
 * timer in between, holding no process while OpenAI works:
 *
 *   writeBatchRequests → submitBatch → (timer) pollBatch … → collectBatch → retry `missing` synchronously
 *
 * Why an idempotency key: an activity can crash after `batches.create` succeeded but before its
 * result was recorded; the retry must find that batch instead of paying for a second one. The key
 * travels in the batch's metadata and `submitBatch` looks for it first (the Batch API has no
 * idempotency of its own and no metadata filter, so the list is paged). SDK failures are mapped
 * by `classifyError` (429/5xx retryable, other 4xx not); check them by `name`, not `instanceof`.
 */
import { createHash } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { toFile, type default as OpenAI } from 'openai';
import { classifyError } from './http-errors';

/** One request of a batch: its id (unique within the batch) and the endpoint's request body. */
export interface BatchRequest {
  customId: string;
  body: object;
}

/** Batch statuses after which nothing changes. */
export const TERMINAL_BATCH_STATUSES = ['completed', 'failed', 'expired', 'cancelled'] as const;
/** A batch status as the API reports it. */
export type BatchStatus = OpenAI.Batches.Batch['status'];

/** The default batch endpoint: chat completions, what the judges send. */
export const CHAT_COMPLETIONS_ENDPOINT = '/v1/chat/completions';

/** A misuse of the batch steps (bad input, collecting an unfinished batch); retrying cannot help. */
export class BatchJobError extends Error {
  override readonly name = 'BatchJobError';
  constructor(
    message: string,
    /** The batch concerned, when there is one. */
    readonly batchId?: string,
  ) {
    super(message);
  }
}

/** Calls a job API, turning its errors into the classified errors the activities retry or not. */
export async function api<T>(client: OpenAI, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw classifyError(e, { baseURL: client.baseURL, model: what });
  }
}

/** Writes a file atomically: a temporary name in the same folder, then a rename. */
async function writeAtomic(file: string, text: string): Promise<void> {
  await fsp.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fsp.writeFile(tmp, text, 'utf8');
  await fsp.rename(tmp, file);
}

/**
 * Writes the batch input JSONL: one `{custom_id, method: "POST", url, body}` line per request.
 * custom_ids must be unique (the API rejects duplicates). Written atomically, so a retried
 * activity never uploads half a file. Returns the count and the content's sha256 (a claim check).
 */
export async function writeBatchRequests(
  requests: readonly BatchRequest[],
  file: string,
  opts: { endpoint?: string } = {},
): Promise<{ file: string; count: number; sha256: string }> {
  const url = opts.endpoint ?? CHAT_COMPLETIONS_ENDPOINT;
  if (requests.length === 0) throw new BatchJobError('a batch needs at least one request');
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const r of requests) {
    if (typeof r.customId !== 'string' || r.customId === '')
      throw new BatchJobError('every batch request needs a non-empty customId');
    if (seen.has(r.customId))
      throw new BatchJobError(`duplicate customId ${JSON.stringify(r.customId)} in batch`);
    seen.add(r.customId);
    lines.push(JSON.stringify({ custom_id: r.customId, method: 'POST', url, body: r.body }));
  }
  const text = lines.join('\n') + '\n';
  await writeAtomic(file, text);
  return { file, count: lines.length, sha256: createHash('sha256').update(text).digest('hex') };
}

/** What `submitBatch` needs. */
export interface SubmitBatchInput {
  /** Path of the JSONL written by `writeBatchRequests`. */
  inputFile: string;
  /** Deterministic per logical batch (e.g. `${runId}:${round}:judge:${part}`); at most 512 characters. */
  idempotencyKey: string;
  /** Extra metadata (at most 15 pairs besides the key; keys ≤ 64, values ≤ 512 characters). */
  metadata?: Record<string, string>;
  /** Batch endpoint (default /v1/chat/completions). */
  endpoint?: OpenAI.Batches.BatchCreateParams['endpoint'];
  /** Page size of the idempotency lookup (default 100, the API's maximum). */
  listPageSize?: number;
}

/** A submitted batch. `reused` says an earlier attempt had already created it. */
export interface SubmittedBatch {
  batchId: string;
  inputFileId: string;
  status: BatchStatus;
  reused: boolean;
}

/** The metadata key carrying the idempotency key, on batches and fine-tuning jobs. */
export const IDEMPOTENCY_METADATA_KEY = 'idempotency_key';

/** Checks and merges metadata with the idempotency key (OpenAI: ≤ 16 pairs, keys ≤ 64, values ≤ 512). */
export function metadataWithKey(
  idempotencyKey: string,
  metadata: Record<string, string> = {},
): Record<string, string> {
  if (!idempotencyKey) throw new BatchJobError('idempotencyKey must be a non-empty string');
  const out = { ...metadata, [IDEMPOTENCY_METADATA_KEY]: idempotencyKey };
  const entries = Object.entries(out);
  if (entries.length > 16)
    throw new BatchJobError('metadata holds at most 16 pairs, the idempotency key included');
  for (const [k, v] of entries) {
    if (k.length > 64)
      throw new BatchJobError(`metadata key ${JSON.stringify(k)} is longer than 64 characters`);
    if (typeof v !== 'string' || v.length > 512)
      throw new BatchJobError(
        `metadata value of ${JSON.stringify(k)} must be a string of at most 512 characters`,
      );
  }
  return out;
}

/** The upload name of a file: its base name, with `.jsonl` added when missing (the API insists on it). */
export function jsonlName(file: string): string {
  const base = path.basename(file);
  return /\.jsonl$/i.test(base) ? base : `${base}.jsonl`;
}

/** The batch carrying `idempotencyKey` in its metadata, paging through the list (newest first). */
export async function findBatchByKey(
  client: OpenAI,
  idempotencyKey: string,
  opts: { pageSize?: number } = {},
): Promise<OpenAI.Batches.Batch | undefined> {
  return api(client, 'batches', () =>
    findByIdempotencyKey(client.batches.list({ limit: opts.pageSize ?? 100 }), idempotencyKey),
  );
}

/**
 * The first listed object whose metadata carries `idempotencyKey`, checked here even when the
 * server was asked to filter (some compatible servers ignore the filter).
 */
export async function findByIdempotencyKey<T extends { metadata?: Record<string, string> | null }>(
  listed: AsyncIterable<T>,
  idempotencyKey: string,
): Promise<T | undefined> {
  for await (const item of listed) {
    if (item.metadata?.[IDEMPOTENCY_METADATA_KEY] === idempotencyKey) return item;
  }
  return undefined;
}

/**
 * Uploads the input file (purpose "batch") and creates the batch (completion window 24h) — unless
 * a batch with this idempotency key exists already, which is returned instead. A crash between
 * upload and create leaves an unused file behind (harmless; files expire or can be deleted), never
 * a second batch.
 */
export async function submitBatch(client: OpenAI, input: SubmitBatchInput): Promise<SubmittedBatch> {
  const metadata = metadataWithKey(input.idempotencyKey, input.metadata);
  const existing = await findBatchByKey(client, input.idempotencyKey);
  if (existing)
    return {
      batchId: existing.id,
      inputFileId: existing.input_file_id,
      status: existing.status,
      reused: true,
    };
  const data = await fsp.readFile(input.inputFile);
  const file = await api(client, 'files', async () =>
    client.files.create({ file: await toFile(data, path.basename(input.inputFile)), purpose: 'batch' }),
  );
  const batch = await api(client, 'batches', () =>
    client.batches.create({
      input_file_id: file.id,
      endpoint: input.endpoint ?? CHAT_COMPLETIONS_ENDPOINT,
      completion_window: '24h',
      metadata,
    }),
  );
  return { batchId: batch.id, inputFileId: file.id, status: batch.status, reused: false };
}

/** The state of a batch, as a workflow needs it to decide whether to wait again. */
export interface BatchPoll {
  status: BatchStatus;
  /** completed, failed, expired or cancelled. */
  terminal: boolean;
  requestCounts: { total: number; completed: number; failed: number };
  outputFileId?: string;
  errorFileId?: string;
  /** Validation errors of a failed batch (bad input lines). */
  errors?: Array<{ code?: string; message?: string; line?: number | null; param?: string | null }>;
}

/** Whether a batch status is final. */
export function isTerminalBatchStatus(status: string): boolean {
  return (TERMINAL_BATCH_STATUSES as readonly string[]).includes(status);
}

function toPoll(b: OpenAI.Batches.Batch): BatchPoll {
  return {
    status: b.status,
    terminal: isTerminalBatchStatus(b.status),
    requestCounts: {
      total: b.request_counts?.total ?? 0,
      completed: b.request_counts?.completed ?? 0,
      failed: b.request_counts?.failed ?? 0,
    },
    ...(b.output_file_id ? { outputFileId: b.output_file_id } : {}),
    ...(b.error_file_id ? { errorFileId: b.error_file_id } : {}),
    ...(b.errors?.data?.length ? { errors: b.errors.data } : {}),
  };
}

/** One poll of a batch (one GET; the caller waits between polls with a durable timer). */
export async function pollBatch(client: OpenAI, batchId: string): Promise<BatchPoll> {
  return toPoll(await api(client, 'batches', () => client.batches.retrieve(batchId)));
}

/** Why one request of a batch has no usable answer. */
export interface BatchItemError {
  /** e.g. `batch_expired`, `server_error`, `not_executed`, or the model endpoint's own error code. */
  code: string;
  message: string;
  /** The HTTP status the model endpoint answered with, for requests that ran. */
  statusCode?: number;
}

/** The answer to one request: the endpoint's response body, or why there is none. */
export type BatchItemResult = { ok: true; body: unknown } | { ok: false; error: BatchItemError };

/** The collected results of a finished batch. */
export interface CollectedBatch {
  status: BatchStatus;
  results: Map<string, BatchItemResult>;
  /**
   * custom_ids of the input without a successful answer (failed, expired, cancelled or never
   * run), in input order: the caller retries them synchronously.
   */
  missing: string[];
}

async function fileText(client: OpenAI, fileId: string): Promise<string> {
  return api(client, 'files', async () => (await client.files.content(fileId)).text());
}

function jsonLines(text: string, what: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new BatchJobError(`${what}: line ${i + 1} is not JSON`);
      }
    });
}

/** The custom_ids of an input file, in order; lines that do not parse (a failed batch's bad lines) are skipped. */
function inputCustomIds(text: string): string[] {
  const ids = new Set<string>();
  for (const l of text.split('\n')) {
    if (l.trim() === '') continue;
    try {
      const id = (JSON.parse(l) as { custom_id?: unknown } | null)?.custom_id;
      if (typeof id === 'string') ids.add(id);
    } catch {
      // not a request line
    }
  }
  return [...ids];
}

/** One output/error file line as a result. */
function lineResult(x: Record<string, unknown>): BatchItemResult {
  const response = x.response as { status_code?: number; body?: unknown } | null | undefined;
  const error = x.error as { code?: string; message?: string } | null | undefined;
  if (response && typeof response.status_code === 'number') {
    if (response.status_code >= 200 && response.status_code < 300) return { ok: true, body: response.body };
    const e = (
      response.body as { error?: { code?: string | null; type?: string; message?: string } } | undefined
    )?.error;
    return {
      ok: false,
      error: {
        code: e?.code ?? e?.type ?? `http_${response.status_code}`,
        message: e?.message ?? `HTTP ${response.status_code}`,
        statusCode: response.status_code,
      },
    };
  }
  return {
    ok: false,
    error: {
      code: error?.code ?? 'unknown_error',
      message: error?.message ?? 'no response and no error given',
    },
  };
}

/**
 * Reads the output and error files of a terminal batch. Every custom_id of the input file appears
 * in `results` (requests the batch never ran get code `not_executed`), and `missing` lists those
 * without a successful answer. Throws a BatchJobError when the batch is not terminal yet.
 */
export async function collectBatch(client: OpenAI, batchId: string): Promise<CollectedBatch> {
  const b = await api(client, 'batches', () => client.batches.retrieve(batchId));
  if (!isTerminalBatchStatus(b.status))
    throw new BatchJobError(
      `batch ${batchId} is still ${b.status}: poll until it is terminal before collecting`,
      batchId,
    );
  const inputIds = inputCustomIds(await fileText(client, b.input_file_id));
  const results = new Map<string, BatchItemResult>();
  for (const fileId of [b.error_file_id, b.output_file_id]) {
    if (!fileId) continue;
    for (const x of jsonLines(await fileText(client, fileId), `batch ${batchId} file ${fileId}`)) {
      if (typeof x.custom_id !== 'string') continue;
      const r = lineResult(x);
      // A success wins over an error line for the same id (output file read last).
      if (r.ok || !results.get(x.custom_id)?.ok) results.set(x.custom_id, r);
    }
  }
  for (const id of inputIds) {
    if (!results.has(id))
      results.set(id, {
        ok: false,
        error: { code: 'not_executed', message: `batch ended ${b.status} before this request ran` },
      });
  }
  const missing = inputIds.filter((id) => !results.get(id)?.ok);
  return { status: b.status, results, missing };
}

/** Asks the API to cancel a batch; returns its new state (usually `cancelling`, later `cancelled`). */
export async function cancelBatch(client: OpenAI, batchId: string): Promise<BatchPoll> {
  return toPoll(await api(client, 'batches', () => client.batches.cancel(batchId)));
}
