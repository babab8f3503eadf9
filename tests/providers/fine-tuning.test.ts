/** DPO fine-tuning client against the jobs server: start, poll to success, idempotency, validation, cancel. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import OpenAI from 'openai';
import { preferencesToOpenAIDpoJsonl } from '../../src/export/preferences';
import {
  cancelFineTune,
  pollFineTune,
  startDpoFineTune,
  type FineTunePoll,
} from '../../src/providers/fine-tuning';
import { startOpenAIJobsServer, type OpenAIJobsServer } from '../../devtools/openai-jobs/server';
import { prefRow } from '../policy/helpers';

async function waitTerminal(client: OpenAI, jobId: string): Promise<FineTunePoll[]> {
  const seen: FineTunePoll[] = [];
  for (let i = 0; i < 200; i++) {
    const p = await pollFineTune(client, jobId, { eventsLimit: 20 });
    seen.push(p);
    if (p.terminal) return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${jobId} did not finish`);
}

describe('DPO fine-tuning client', () => {
  const servers: OpenAIJobsServer[] = [];
  let dir: string;
  let good: string;

  const jobsServer = async (opts: Parameters<typeof startOpenAIJobsServer>[0] = {}) => {
    const s = await startOpenAIJobsServer({ fineTuneDelayMs: 200, ...opts });
    servers.push(s);
    return { server: s, client: new OpenAI({ baseURL: s.url, apiKey: 'test', maxRetries: 0 }) };
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fine-tune-'));
    good = path.join(dir, 'prefs.jsonl');
    const { lines } = preferencesToOpenAIDpoJsonl([
      prefRow('p1', 'describe the ocean', 'wave tide', 'the the', 0.9),
      prefRow('p2', 'describe the forest', 'so stuff', 'pine moss', 0.2),
    ]);
    fs.writeFileSync(good, lines.join('\n') + '\n');
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a DPO job, polls it to success and names the fine-tuned model', async () => {
    const { client } = await jobsServer();
    const started = await startDpoFineTune(client, {
      trainingFile: good,
      model: 'gpt-4.1-mini-2025-04-14',
      hyperparameters: { beta: 0.2, n_epochs: 2 },
      suffix: 'rlaif-r1',
      idempotencyKey: 'run-1:round-1:dpo',
      seed: 42,
    });
    expect(started).toMatchObject({ status: 'validating_files', reused: false });
    const job = await client.fineTuning.jobs.retrieve(started.jobId);
    expect(job.method).toEqual({
      type: 'dpo',
      dpo: { hyperparameters: { beta: 0.2, n_epochs: 2, batch_size: 1, learning_rate_multiplier: 1 } },
    });
    expect(job.metadata).toEqual({ idempotency_key: 'run-1:round-1:dpo' });
    expect(job.seed).toBe(42);
    const file = await client.files.retrieve(started.trainingFileId);
    expect(file).toMatchObject({
      purpose: 'fine-tune',
      filename: 'prefs.jsonl',
      bytes: fs.statSync(good).size,
    });

    const polls = await waitTerminal(client, started.jobId);
    expect(polls.map((p) => p.status)).toContain('running');
    const last = polls[polls.length - 1] as FineTunePoll;
    expect(last.status).toBe('succeeded');
    expect(last.fineTunedModel).toBe(`ft:gpt-4.1-mini-2025-04-14:rlaif-r1:${started.jobId.slice(6, 14)}`);
    expect(last.trainedTokens).toBeGreaterThan(0);
    expect(last.error).toBeUndefined();
    expect(last.events[0]?.message).toBe('The job has successfully completed');
    expect(last.events.some((e) => e.type === 'metrics')).toBe(true);
  });

  it('never creates a second job for the same idempotency key', async () => {
    const { client, server } = await jobsServer();
    const input = { trainingFile: good, model: 'base-model', idempotencyKey: 'k-dpo' };
    const a = await startDpoFineTune(client, input);
    await startDpoFineTune(client, { ...input, idempotencyKey: 'k-other' });
    const b = await startDpoFineTune(client, input);
    expect(b).toMatchObject({ jobId: a.jobId, trainingFileId: a.trainingFileId, reused: true });
    expect(server.stats().fineTuningJobsCreated).toBe(2);
    expect(server.stats().filesCreated).toBe(2);
    await waitTerminal(client, a.jobId);
    expect(await startDpoFineTune(client, input)).toMatchObject({ jobId: a.jobId, status: 'succeeded' });
    expect(server.stats().fineTuningJobsCreated).toBe(2);
  });

  it('fails a malformed DPO file with the service validation error', async () => {
    const { client } = await jobsServer();
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(
      bad,
      [
        fs.readFileSync(good, 'utf8').split('\n')[0],
        JSON.stringify({ input: { messages: [{ role: 'user', content: 'hi' }] }, preferred_output: [] }),
      ].join('\n') + '\n',
    );
    const s = await startDpoFineTune(client, {
      trainingFile: bad,
      model: 'base-model',
      idempotencyKey: 'bad',
    });
    const last = (await waitTerminal(client, s.jobId)).pop() as FineTunePoll;
    expect(last.status).toBe('failed');
    expect(last.fineTunedModel).toBeUndefined();
    expect(last.error).toEqual({
      code: 'invalid_training_file',
      param: 'training_file',
      message: expect.stringContaining('Line 2') as string,
    });
    expect(last.error?.message).toContain("'preferred_output' must be an array of exactly one message");
  });

  it('rejects invalid hyperparameters at creation as a permanent error', async () => {
    const { client } = await jobsServer();
    await expect(
      startDpoFineTune(client, {
        trainingFile: good,
        model: 'base-model',
        idempotencyKey: 'bad-beta',
        hyperparameters: { beta: -1 },
      }),
    ).rejects.toMatchObject({ name: 'EndpointConfigError', status: 400, retryable: false });
  });

  it('reports an injected training failure', async () => {
    const { client } = await jobsServer({ faults: { failFineTunes: true } });
    const s = await startDpoFineTune(client, {
      trainingFile: good,
      model: 'base-model',
      idempotencyKey: 'f',
    });
    const last = (await waitTerminal(client, s.jobId)).pop() as FineTunePoll;
    expect(last).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
  });

  it('cancels a running job', async () => {
    const { client } = await jobsServer({ fineTuneDelayMs: 5000 });
    const s = await startDpoFineTune(client, {
      trainingFile: good,
      model: 'base-model',
      idempotencyKey: 'c',
    });
    expect(await cancelFineTune(client, s.jobId)).toEqual({ status: 'cancelled' });
    const p = await pollFineTune(client, s.jobId);
    expect(p).toMatchObject({ status: 'cancelled', terminal: true });
    expect(p.events[0]?.message).toBe('Fine-tuning job cancelled');
  });
});
