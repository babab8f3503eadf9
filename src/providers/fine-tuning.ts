/**
 * Policy optimization through OpenAI-compatible fine-tuning jobs with the DPO method, in steps a
 * durable workflow drives with timers: start (upload + create, idempotent), poll, cancel.
 *
 * Why the idempotency key: a job costs money and hours; an activity retried after a crash between
 * `jobs.create` and recording its id must find the job it created, never start a second one. The
 * key is stored in the job's metadata and looked up first (the list is filtered by metadata on the
 * server and checked again here, for servers that ignore the filter). The training file is the
 * OpenAI DPO JSONL that `src/export/preferences.ts` writes.
 */
import { promises as fsp } from 'fs';
import { toFile, type default as OpenAI } from 'openai';
import {
  api,
  BatchJobError,
  findByIdempotencyKey,
  IDEMPOTENCY_METADATA_KEY,
  jsonlName,
  metadataWithKey,
} from './batch-api';

/** DPO hyperparameters; omitted ones are chosen by the service ("auto"). */
export interface DpoHyperparameters {
  /** Weight of the penalty keeping the policy near the reference model. */
  beta?: number | 'auto';
  n_epochs?: number | 'auto';
  learning_rate_multiplier?: number | 'auto';
  batch_size?: number | 'auto';
}

/** What `startDpoFineTune` needs. */
export interface StartDpoFineTuneInput {
  /** Path of a JSONL file in OpenAI's DPO format. */
  trainingFile: string;
  /** The base model, e.g. gpt-4.1-mini-2025-04-14. */
  model: string;
  hyperparameters?: DpoHyperparameters;
  /** Up to 64 characters, part of the fine-tuned model's name. */
  suffix?: string;
  /** Deterministic per logical job (e.g. `${runId}:${round}:dpo`); at most 512 characters. */
  idempotencyKey: string;
  seed?: number;
  /** Extra metadata pairs. */
  metadata?: Record<string, string>;
}

/** A started job. `reused` says an earlier attempt had already created it. */
export interface StartedFineTune {
  jobId: string;
  trainingFileId: string;
  status: OpenAI.FineTuning.Jobs.FineTuningJob['status'];
  reused: boolean;
}

/** Job statuses after which nothing changes. */
export const TERMINAL_FINE_TUNE_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;

/** The fine-tuning job carrying `idempotencyKey` in its metadata, if any. */
export async function findFineTuneByKey(
  client: OpenAI,
  idempotencyKey: string,
): Promise<OpenAI.FineTuning.Jobs.FineTuningJob | undefined> {
  return api(client, 'fine-tuning', () =>
    findByIdempotencyKey(
      client.fineTuning.jobs.list({ limit: 100, metadata: { [IDEMPOTENCY_METADATA_KEY]: idempotencyKey } }),
      idempotencyKey,
    ),
  );
}

/**
 * Uploads the training file (purpose "fine-tune") and creates a DPO job — unless a job with this
 * idempotency key exists already, which is returned instead. The service validates the file
 * after creation: a malformed file shows up as a `failed` job whose error names the line.
 */
export async function startDpoFineTune(
  client: OpenAI,
  input: StartDpoFineTuneInput,
): Promise<StartedFineTune> {
  if (!input.model) throw new BatchJobError('startDpoFineTune: model is required');
  if (input.suffix !== undefined && input.suffix.length > 64)
    throw new BatchJobError('startDpoFineTune: suffix is at most 64 characters');
  const metadata = metadataWithKey(input.idempotencyKey, input.metadata);
  const existing = await findFineTuneByKey(client, input.idempotencyKey);
  if (existing)
    return {
      jobId: existing.id,
      trainingFileId: existing.training_file,
      status: existing.status,
      reused: true,
    };
  const data = await fsp.readFile(input.trainingFile);
  const file = await api(client, input.model, async () =>
    client.files.create({
      file: await toFile(data, jsonlName(input.trainingFile)),
      purpose: 'fine-tune',
    }),
  );
  const job = await api(client, input.model, () =>
    client.fineTuning.jobs.create({
      model: input.model,
      training_file: file.id,
      method: { type: 'dpo', dpo: { hyperparameters: { ...(input.hyperparameters ?? {}) } } },
      metadata,
      ...(input.suffix !== undefined ? { suffix: input.suffix } : {}),
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
    }),
  );
  return { jobId: job.id, trainingFileId: file.id, status: job.status, reused: false };
}

/** One event of a job, for progress display. */
export interface FineTuneEvent {
  createdAt: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type?: 'message' | 'metrics';
  data?: unknown;
}

/** The state of a fine-tuning job. */
export interface FineTunePoll {
  status: OpenAI.FineTuning.Jobs.FineTuningJob['status'];
  /** succeeded, failed or cancelled. */
  terminal: boolean;
  /** The new model's name, once succeeded. */
  fineTunedModel?: string;
  trainedTokens?: number;
  /** Why a failed job failed (e.g. code `invalid_training_file`, param `training_file`). */
  error?: { code: string; message: string; param: string | null };
  estimatedFinish?: number;
  /** The most recent events, newest first. */
  events: FineTuneEvent[];
}

/** One poll of a job plus its `eventsLimit` (default 10) most recent events. */
export async function pollFineTune(
  client: OpenAI,
  jobId: string,
  opts: { eventsLimit?: number } = {},
): Promise<FineTunePoll> {
  const job = await api(client, 'fine-tuning', () => client.fineTuning.jobs.retrieve(jobId));
  const events = await api(client, job.model, () =>
    client.fineTuning.jobs.listEvents(jobId, { limit: Math.min(100, Math.max(1, opts.eventsLimit ?? 10)) }),
  );
  return {
    status: job.status,
    terminal: (TERMINAL_FINE_TUNE_STATUSES as readonly string[]).includes(job.status),
    ...(job.fine_tuned_model ? { fineTunedModel: job.fine_tuned_model } : {}),
    ...(job.trained_tokens != null ? { trainedTokens: job.trained_tokens } : {}),
    ...(job.error && job.error.code ? { error: job.error } : {}),
    ...(job.estimated_finish != null ? { estimatedFinish: job.estimated_finish } : {}),
    events: events.data.map((e) => ({
      createdAt: e.created_at,
      level: e.level,
      message: e.message,
      ...(e.type ? { type: e.type } : {}),
      ...(e.data !== undefined && e.data !== null ? { data: e.data } : {}),
    })),
  };
}

/** Cancels a job; returns its status afterwards. */
export async function cancelFineTune(
  client: OpenAI,
  jobId: string,
): Promise<{ status: OpenAI.FineTuning.Jobs.FineTuningJob['status'] }> {
  const job = await api(client, 'fine-tuning', () => client.fineTuning.jobs.cancel(jobId));
  return { status: job.status };
}
