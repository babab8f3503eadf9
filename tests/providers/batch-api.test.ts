/** Batch API client against the jobs server, whose batches run on the local model server's judge. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import OpenAI from 'openai';
import { softLabelFromTokens } from '../../src/judges/llm-judge';
import { loadTemplates, renderPairwise } from '../../src/judges/prompt/templates';
import {
  cancelBatch,
  collectBatch,
  pollBatch,
  submitBatch,
  writeBatchRequests,
  type BatchPoll,
  type BatchRequest,
} from '../../src/providers/batch-api';
import type { TokenLogprob } from '../../src/providers/openai-call';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { startOpenAIJobsServer, type OpenAIJobsServer } from '../../devtools/openai-jobs/server';

const PROMPT = 'describe the ocean at night';
const RESPONSES = ['wave tide coral reef', 'the star the star', 'wave the stuff', 'tide moon wave'];

/** The chat request OpenAIPairwiseJudge sends for one ordered pair (logprobs, one answer token). */
function judgeBody(first: string, second: string): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  const text = renderPairwise(loadTemplates().pairwise, { prompt: PROMPT, first, second });
  return {
    model: 'local-judge',
    messages: [{ role: 'user', content: text }],
    n: 1,
    temperature: 0,
    max_tokens: 1,
    logprobs: true,
    top_logprobs: 5,
    seed: 0,
  };
}

/** Soft label p("1") from a chat completion body, as the LLM judge reads it. */
function softLabel(body: unknown): number | undefined {
  const content = (body as OpenAI.Chat.ChatCompletion).choices[0]?.logprobs?.content ?? [];
  const tokens: TokenLogprob[] = content.map((t) => ({
    token: t.token,
    logprob: t.logprob,
    top: t.top_logprobs.map((x) => ({ token: x.token, logprob: x.logprob })),
  }));
  return softLabelFromTokens(tokens);
}

const pairRequests = (): BatchRequest[] => {
  const out: BatchRequest[] = [];
  for (let i = 0; i < RESPONSES.length; i++)
    for (let j = 0; j < RESPONSES.length; j++)
      if (i !== j)
        out.push({
          customId: `pair-${i}-${j}`,
          body: judgeBody(RESPONSES[i] as string, RESPONSES[j] as string),
        });
  return out;
};

/** Polls until terminal (a workflow would sleep on a durable timer between polls). */
async function waitTerminal(client: OpenAI, batchId: string): Promise<BatchPoll[]> {
  const seen: BatchPoll[] = [];
  for (let i = 0; i < 200; i++) {
    const p = await pollBatch(client, batchId);
    seen.push(p);
    if (p.terminal) return seen;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`batch ${batchId} did not finish`);
}

describe('batch API client', () => {
  let models: LocalModelServer;
  const servers: OpenAIJobsServer[] = [];
  let dir: string;

  const jobsServer = async (opts: Parameters<typeof startOpenAIJobsServer>[0] = {}) => {
    const s = await startOpenAIJobsServer({ target: models.url, batchDelayMs: 200, ...opts });
    servers.push(s);
    return { server: s, client: new OpenAI({ baseURL: s.url, apiKey: 'test', maxRetries: 0 }) };
  };

  beforeAll(async () => {
    models = await startLocalModelServer({ port: 0 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-api-'));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await models.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the input JSONL in the Batch API shape and refuses duplicate ids', async () => {
    const file = path.join(dir, 'shape.jsonl');
    const w = await writeBatchRequests([{ customId: 'a', body: { model: 'm' } }], file);
    expect(w.count).toBe(1);
    expect(w.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}\n',
    );
    await expect(
      writeBatchRequests(
        [
          { customId: 'a', body: {} },
          { customId: 'a', body: {} },
        ],
        file,
      ),
    ).rejects.toMatchObject({ name: 'BatchJobError' });
  });

  it('judges pairs through a batch with the same answers as synchronous calls', async () => {
    const { client, server } = await jobsServer();
    const requests = pairRequests();
    const file = path.join(dir, 'judge.jsonl');
    await writeBatchRequests(requests, file);
    const sub = await submitBatch(client, { inputFile: file, idempotencyKey: 'run-1:round-0:judge' });
    expect(sub).toMatchObject({ status: 'validating', reused: false });
    const polls = await waitTerminal(client, sub.batchId);
    expect(polls.map((p) => p.status)).toContain('in_progress');
    const last = polls[polls.length - 1] as BatchPoll;
    expect(last).toMatchObject({
      status: 'completed',
      requestCounts: { total: requests.length, completed: requests.length, failed: 0 },
    });
    expect(last.outputFileId).toBeDefined();

    const { results, missing } = await collectBatch(client, sub.batchId);
    expect(missing).toEqual([]);
    expect(results.size).toBe(requests.length);

    const sync = new OpenAI({ baseURL: models.url, apiKey: 'test', maxRetries: 0 });
    for (const r of requests) {
      const got = results.get(r.customId);
      if (!got?.ok) throw new Error(`no answer for ${r.customId}`);
      const want = await sync.chat.completions.create(
        r.body as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
      );
      const body = got.body as OpenAI.Chat.ChatCompletion;
      expect(body.choices[0]?.message.content).toBe(want.choices[0]?.message.content);
      const p = softLabel(body);
      expect(p).toBeDefined();
      expect(p).toBeCloseTo(softLabel(want) as number, 12);
    }
    // The judge prefers the on-topic answer in either order.
    const p01 = softLabel((results.get('pair-0-1') as { body: unknown }).body) as number;
    const p10 = softLabel((results.get('pair-1-0') as { body: unknown }).body) as number;
    expect(p01).toBeGreaterThan(0.5);
    expect(p10).toBeLessThan(0.5);
    expect(server.stats().batchRequestsForwarded).toBe(requests.length);
  });

  it('never creates a second batch for the same idempotency key', async () => {
    const { client, server } = await jobsServer();
    const file = path.join(dir, 'idem.jsonl');
    await writeBatchRequests(pairRequests().slice(0, 3), file);
    // Other batches exist and the lookup pages one batch at a time, so it has to follow the cursor.
    const other = path.join(dir, 'other.jsonl');
    await writeBatchRequests(pairRequests().slice(0, 1), other);
    await submitBatch(client, { inputFile: other, idempotencyKey: 'other-key' });
    const a = await submitBatch(client, { inputFile: file, idempotencyKey: 'k-1', metadata: { round: '0' } });
    await submitBatch(client, { inputFile: other, idempotencyKey: 'newer-key' });
    const b = await submitBatch(client, {
      inputFile: file,
      idempotencyKey: 'k-1',
      metadata: { round: '0' },
      listPageSize: 1,
    });
    expect(b).toMatchObject({ batchId: a.batchId, inputFileId: a.inputFileId, reused: true });
    expect(server.stats().batchesCreated).toBe(3);
    expect(server.stats().filesCreated).toBe(3);
    const batch = await client.batches.retrieve(a.batchId);
    expect(batch.metadata).toEqual({ round: '0', idempotency_key: 'k-1' });
    await waitTerminal(client, a.batchId);
    const c = await submitBatch(client, { inputFile: file, idempotencyKey: 'k-1' });
    expect(c).toMatchObject({ batchId: a.batchId, status: 'completed', reused: true });
    expect(server.stats().batchesCreated).toBe(3);
  });

  it('lists requests that failed inside a completed batch as missing', async () => {
    const { client } = await jobsServer({ faults: { failCustomIds: ['pair-0-2', 'pair-3-1'] } });
    const requests = pairRequests();
    const file = path.join(dir, 'faulty.jsonl');
    await writeBatchRequests(requests, file);
    const sub = await submitBatch(client, { inputFile: file, idempotencyKey: 'faulty' });
    const last = (await waitTerminal(client, sub.batchId)).pop() as BatchPoll;
    expect(last).toMatchObject({
      status: 'completed',
      requestCounts: { completed: requests.length - 2, failed: 2 },
    });
    expect(last.errorFileId).toBeDefined();
    const { results, missing } = await collectBatch(client, sub.batchId);
    expect(missing).toEqual(['pair-0-2', 'pair-3-1']);
    expect(results.get('pair-0-2')).toEqual({
      ok: false,
      error: { code: 'server_error', message: expect.any(String) as string, statusCode: 500 },
    });
    expect(results.get('pair-0-1')?.ok).toBe(true);
  });

  it('reports an expired batch and lists the requests it never ran', async () => {
    const { client } = await jobsServer({ faults: { expireBatches: true, expireAfterShare: 0.25 } });
    const requests = pairRequests();
    const file = path.join(dir, 'expire.jsonl');
    await writeBatchRequests(requests, file);
    const sub = await submitBatch(client, { inputFile: file, idempotencyKey: 'expire' });
    const last = (await waitTerminal(client, sub.batchId)).pop() as BatchPoll;
    expect(last.status).toBe('expired');
    expect(last.terminal).toBe(true);
    const { status, results, missing } = await collectBatch(client, sub.batchId);
    expect(status).toBe('expired');
    expect(missing).toHaveLength(requests.length - Math.floor(requests.length * 0.25));
    expect(results.get(missing[0] as string)).toMatchObject({ ok: false, error: { code: 'batch_expired' } });
    expect([...results.values()].filter((r) => r.ok)).toHaveLength(3);
  });

  it('cancels a running batch and refuses to collect one that is not finished', async () => {
    const { client } = await jobsServer({ batchDelayMs: 5000 });
    const file = path.join(dir, 'cancel.jsonl');
    await writeBatchRequests(pairRequests(), file);
    const sub = await submitBatch(client, { inputFile: file, idempotencyKey: 'cancel' });
    await expect(collectBatch(client, sub.batchId)).rejects.toMatchObject({ name: 'BatchJobError' });
    const c = await cancelBatch(client, sub.batchId);
    expect(c.status).toBe('cancelling');
    const last = (await waitTerminal(client, sub.batchId)).pop() as BatchPoll;
    expect(last.status).toBe('cancelled');
    const { missing } = await collectBatch(client, sub.batchId);
    expect(missing).toHaveLength(pairRequests().length);
  });

  it('classifies API errors: an unknown batch is a permanent endpoint error', async () => {
    const { client } = await jobsServer();
    await expect(pollBatch(client, 'batch_nope')).rejects.toMatchObject({
      name: 'EndpointConfigError',
      status: 404,
      retryable: false,
    });
  });
});
