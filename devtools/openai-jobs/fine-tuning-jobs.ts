/**
 * The fine-tuning jobs resource of the jobs server. A job validates its training file (DPO or
 * supervised format), then runs queued → running → succeeded with events. With a `FineTuner`,
 * DPO jobs train a real model and the job names it (`rlaif serve-local --jobs-port` gives the
 * local model server's DPO trainer); without one, and for supervised jobs, the job runs on the
 * server's clock and reports a made-up loss curve and a model name nothing serves.
 */
import { ApiError, invalidParam, missingParam } from '../../src/model-server/api-error';
import { metadataParam, newId, now, page, type Json } from './common';
import type { Files, StoredFile } from './files';
import { BackgroundResource, type ServerParts } from './resource';
import { validateTrainingFile } from './training-file';

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

/** How jobs run. */
export interface FineTuningJobsOptions {
  /** Milliseconds from job creation to success (at least, with a real fine-tuner). */
  delayMs: number;
  /** Trains DPO jobs for real; see the module's header. */
  fineTuner?: FineTuner;
  /** Jobs fail while running (error code `server_error`). */
  failFineTunes?: boolean;
}

type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
type Method = 'dpo' | 'supervised';

interface JobRecord {
  obj: Json & { id: string; status: JobStatus; created_at: number; metadata: Record<string, string> | null };
  events: Json[];
  /** When a real fine-tuner started on it (ms). */
  startedRunningAt?: number;
}

const TERMINAL_JOB: JobStatus[] = ['succeeded', 'failed', 'cancelled'];

function positiveNumberOrAuto(v: unknown, integer: boolean, max: number): boolean {
  if (v === 'auto') return true;
  return (
    typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max && (!integer || Number.isInteger(v))
  );
}

/** The method's hyperparameters checked against OpenAI's bounds, with the service's choices for "auto". */
function resolveHyperparameters(type: Method, hp: Json): Json {
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
  const or = (v: unknown, auto: number) => (v === undefined || v === 'auto' ? auto : v);
  return {
    batch_size: or(hp.batch_size, 1),
    learning_rate_multiplier: or(hp.learning_rate_multiplier, 1),
    n_epochs: or(hp.n_epochs, 3),
    ...(type === 'dpo' ? { beta: or(hp.beta, 0.1) } : {}),
  };
}

/** The training file a job names: it must exist and have been uploaded for fine-tuning. */
function trainingFileOf(files: Files, fileId: string): StoredFile {
  const file = files.find(fileId);
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
  return file;
}

/** Adds an event to a job; events are listed newest first, as OpenAI lists them. */
function event(j: JobRecord, message: string, level = 'info', type = 'message', data: unknown = null): void {
  j.events.unshift({
    object: 'fine_tuning.job.event',
    id: newId('ftevent-', 12),
    created_at: now(),
    level,
    message,
    data,
    type,
  });
}

/** Ends a running job as succeeded with its model and a result file. */
function succeed(j: JobRecord, model: string, results: string, extra: Json = {}): void {
  Object.assign(j.obj, {
    status: 'succeeded',
    finished_at: now(),
    estimated_finish: null,
    fine_tuned_model: model,
    result_files: [results],
    ...extra,
  });
  event(j, `New fine-tuned model created: ${model}`);
  event(j, 'The job has successfully completed');
}

/** Ends a job as failed with OpenAI's error object and an error event. */
function fail(j: JobRecord, error: Json, message: string): void {
  Object.assign(j.obj, { status: 'failed', finished_at: now(), estimated_finish: null, error });
  event(j, message, 'error');
}

/** The fault `failFineTunes`: the job fails while running, as OpenAI's do on internal errors. */
function failInternally(j: JobRecord): void {
  const message = 'The job failed due to an internal error.';
  fail(j, { code: 'server_error', message, param: null }, message);
}

/** The server's fine-tuning jobs. */
export class FineTuningJobs extends BackgroundResource<JobRecord> {
  constructor(
    parts: ServerParts,
    private readonly opts: FineTuningJobsOptions,
  ) {
    super(parts);
  }

  /** `POST /v1/fine_tuning/jobs`: checks the request, then runs the job in the background. */
  create(body: Json): Json {
    if (body.model === undefined) throw missingParam('model');
    if (body.training_file === undefined) throw missingParam('training_file');
    if (typeof body.model !== 'string' || body.model === '') throw invalidParam('model', "Invalid 'model'.");
    const fileId = body.training_file;
    if (typeof fileId !== 'string') throw invalidParam('training_file', "Invalid 'training_file'.");
    trainingFileOf(this.parts.files, fileId);
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
    const resolved = resolveHyperparameters(type, hp);
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
    this.add(j);
    this.parts.stats.fineTuningJobsCreated++;
    event(j, `Validating training file: ${fileId}`);
    event(j, `Created fine-tuning job: ${j.obj.id}`);
    void this.run(j, type, resolved.n_epochs as number).catch(() => undefined);
    return j.obj;
  }

  /** `GET /v1/fine_tuning/jobs`: newest first, with `metadata[key]=value` filters. */
  list(query: URLSearchParams): Json {
    const filter = metadataFilter(query);
    const all = this.newestFirst().filter((o) =>
      filter.every(([k, v]) => (o.metadata as Record<string, string> | null)?.[k] === v),
    );
    return page(all, query);
  }

  /** `GET /v1/fine_tuning/jobs/{id}/events`: newest first. */
  events(id: string, query: URLSearchParams): Json {
    return page(this.record(id).events, query);
  }

  /** `POST /v1/fine_tuning/jobs/{id}/cancel`; cancelling a finished job is 400. */
  cancel(id: string): Json {
    const j = this.record(id);
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

  protected notFound(id: string): ApiError {
    return new ApiError(
      404,
      `Could not find fine-tune: ${id}`,
      'invalid_request_error',
      'fine_tune_id',
      'fine_tune_not_found',
    );
  }

  /** validating_files → queued → running, then training for real or on the clock. */
  private async run(j: JobRecord, method: Method, nEpochs: number): Promise<void> {
    const o = j.obj;
    const { delayMs } = this.opts;
    await this.parts.timers.sleep(delayMs / 5);
    if (o.status !== 'validating_files') return;
    const file = this.parts.files.get(o.training_file as string);
    const v = validateTrainingFile(file.data, method);
    if (!v.ok) {
      fail(
        j,
        {
          code: 'invalid_training_file',
          message: `The job failed due to an invalid training file. ${v.message}`,
          param: 'training_file',
        },
        `Training file ${file.meta.id} failed validation: ${v.message}`,
      );
      return;
    }
    event(j, `Validated training file: ${v.examples} examples`);
    o.status = 'queued';
    await this.parts.timers.sleep(delayMs / 5);
    if (o.status !== 'queued') return;
    o.status = 'running';
    o.estimated_finish = now() + Math.ceil(delayMs / 1000);
    event(j, 'Fine-tuning job started');
    const suffix = typeof o.user_provided_suffix === 'string' ? o.user_provided_suffix : 'personal';
    const model = `ft:${o.model as string}:${suffix}:${o.id.replace(/^ftjob-/, '').slice(0, 8)}`;
    if (this.opts.fineTuner && method === 'dpo') {
      if (this.opts.failFineTunes) {
        failInternally(j);
        return;
      }
      j.startedRunningAt = Date.now();
      await this.trainForReal(j, model, file, this.opts.fineTuner);
      return;
    }
    await this.runOnClock(j, model, v.tokens * nEpochs);
  }

  /** A job without a real fine-tuner: three metrics events of a made-up loss, then success. */
  private async runOnClock(j: JobRecord, model: string, trainedTokens: number): Promise<void> {
    const o = j.obj;
    const steps = 3;
    const stepMs = (this.opts.delayMs * 3) / 5 / (steps + 1);
    for (let s = 1; s <= steps; s++) {
      await this.parts.timers.sleep(stepMs);
      if (o.status !== 'running') return;
      if (this.opts.failFineTunes && s === 2) {
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
    await this.parts.timers.sleep(stepMs);
    if (o.status !== 'running') return;
    const results = this.parts.files.store(
      'step_metrics.csv',
      'fine-tune-results',
      Buffer.from('step,train_loss\n1,0.345\n2,0.23\n3,0.1725\n'),
    );
    succeed(j, model, results.id, { trained_tokens: trainedTokens });
  }

  /** A DPO job through the fine-tuner: its steps become metrics events; cancel aborts it. */
  private async trainForReal(
    j: JobRecord,
    model: string,
    file: StoredFile,
    fineTuner: FineTuner,
  ): Promise<void> {
    const o = j.obj;
    const abort = new AbortController();
    const watch = setInterval(() => {
      if (o.status !== 'running') abort.abort();
    }, 50);
    let lastLoss = Number.NaN;
    try {
      await fineTuner({
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
      const message = `The job failed: ${(e as Error).message}`;
      fail(j, { code: 'server_error', message, param: null }, message);
      return;
    } finally {
      clearInterval(watch);
    }
    // A job takes at least the configured time, however fast the training was.
    await this.parts.timers.sleep(
      Math.max(0, (j.startedRunningAt ?? 0) + (this.opts.delayMs * 3) / 5 - Date.now()),
    );
    if (o.status !== 'running') return;
    const results = this.parts.files.store(
      'step_metrics.csv',
      'fine-tune-results',
      Buffer.from(`step,train_loss\nfinal,${Number.isFinite(lastLoss) ? lastLoss : ''}\n`),
    );
    succeed(j, model, results.id);
  }
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
