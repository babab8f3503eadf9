/**
 * One round of policy optimization as an OpenAI-compatible DPO fine-tuning job, driven from start
 * to the new model's name: find or create the job, poll it, cancel it when the run is cancelled.
 *
 * A job is paid for once. Its idempotency key is derived from the run, round and stage, so a
 * retried or resumed activity finds the job an earlier attempt created and waits for it instead
 * of creating another. A job that failed for a reason a retry can fix (the service's own error)
 * is replaced on the next attempt under the next key (`…#2`, `…#3`), so the old failure is
 * never found again; a training file the service rejects fails the stage for good.
 */
import type OpenAI from 'openai';
import {
  cancelFineTune,
  findFineTuneByKey,
  pollFineTune,
  startDpoFineTune,
  type DpoHyperparameters,
  type FineTunePoll,
} from '../providers/fine-tuning';

/** A fine-tuning job that will not succeed by trying again (e.g. a rejected training file). */
export class FineTuneError extends Error {
  override readonly name = 'FineTuneError';
}

/** Most replacement jobs one stage may create after service-side failures. */
const MAX_JOBS = 5;

/** Job error codes a retry cannot fix. */
const PERMANENT_CODES = new Set(['invalid_training_file', 'invalid_request_error', 'model_not_found']);

export interface FineTunePolicyInput {
  client: OpenAI;
  /** OpenAI DPO JSONL. */
  trainingFile: string;
  baseModel: string;
  hyperparameters: DpoHyperparameters;
  suffix?: string;
  /** Deterministic per run, round and stage. */
  idempotencyKey: string;
  seed: number;
  pollMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** Called after every poll (heartbeat and progress). */
  onPoll(jobId: string, poll: FineTunePoll): void;
}

export interface FineTunedPolicy {
  model: string;
  jobId: string;
  /** An earlier attempt had created the job. */
  reused: boolean;
  trainedTokens?: number;
  /** Jobs this stage has created over all attempts (1 unless the service failed some). */
  jobs: number;
}

/**
 * The key of the job to wait for (the first one whose job has not failed) and that job, when an
 * earlier attempt created it.
 */
async function currentKey(
  client: OpenAI,
  base: string,
): Promise<{ key: string; index: number; existing?: OpenAI.FineTuning.Jobs.FineTuningJob }> {
  let previousFailure: string | undefined;
  for (let index = 1; index <= MAX_JOBS; index++) {
    const key = index === 1 ? base : `${base}#${index}`;
    const job = await findFineTuneByKey(client, key);
    if (!job) return { key, index };
    if (job.status !== 'failed' && job.status !== 'cancelled') return { key, index, existing: job };
    if (job.status === 'failed' && job.error && PERMANENT_CODES.has(job.error.code))
      throw new FineTuneError(`fine-tuning job ${job.id} failed: ${job.error.message} (${job.error.code})`);
    previousFailure = `job ${job.id} ${job.status}${job.error ? `: ${job.error.message}` : ''}`;
  }
  throw new FineTuneError(`${MAX_JOBS} fine-tuning jobs failed; the last: ${previousFailure ?? '?'}`);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Runs (or rejoins) the round's DPO job and returns the fine-tuned model. */
export async function fineTunePolicy(input: FineTunePolicyInput): Promise<FineTunedPolicy> {
  const { client, signal } = input;
  const { key, index, existing } = await currentKey(client, input.idempotencyKey);
  const started = existing
    ? { jobId: existing.id, reused: true }
    : await startDpoFineTune(client, {
        trainingFile: input.trainingFile,
        model: input.baseModel,
        hyperparameters: input.hyperparameters,
        ...(input.suffix ? { suffix: input.suffix } : {}),
        idempotencyKey: key,
        seed: input.seed,
      });
  const deadline = Date.now() + input.timeoutMs;
  for (;;) {
    if (signal.aborted) {
      // The run was cancelled: stop paying for the job too.
      await cancelFineTune(client, started.jobId).catch(() => undefined);
      throw new Error(`cancelled; fine-tuning job ${started.jobId} cancelled`);
    }
    const poll = await pollFineTune(client, started.jobId);
    input.onPoll(started.jobId, poll);
    if (poll.status === 'succeeded') {
      if (!poll.fineTunedModel)
        throw new FineTuneError(`job ${started.jobId} succeeded without a model name`);
      return {
        model: poll.fineTunedModel,
        jobId: started.jobId,
        reused: started.reused,
        ...(poll.trainedTokens !== undefined ? { trainedTokens: poll.trainedTokens } : {}),
        jobs: index,
      };
    }
    if (poll.status === 'failed' || poll.status === 'cancelled') {
      const why = poll.error ? `${poll.error.message} (${poll.error.code})` : poll.status;
      if (poll.error && PERMANENT_CODES.has(poll.error.code))
        throw new FineTuneError(`fine-tuning job ${started.jobId} failed: ${why}`);
      // Retryable: the next attempt creates a replacement job under the next key.
      throw new Error(`fine-tuning job ${started.jobId} ${poll.status}: ${why}`);
    }
    if (Date.now() > deadline) {
      await cancelFineTune(client, started.jobId).catch(() => undefined);
      throw new FineTuneError(
        `fine-tuning job ${started.jobId} still ${poll.status} after ${Math.round(input.timeoutMs / 3_600_000)} h (policy.fineTune.timeoutHours); cancelled`,
      );
    }
    await sleep(input.pollMs, signal);
  }
}
