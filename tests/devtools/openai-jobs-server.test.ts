/** The jobs server's protocol, driven by the `openai` SDK: files, batches (shapes, pagination, validation), fine-tuning jobs. */
import OpenAI, { toFile } from 'openai';
import { parseMultipart, multipartBoundary } from '../../devtools/openai-jobs/multipart';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { startOpenAIJobsServer, type OpenAIJobsServer } from '../../devtools/openai-jobs/server';

const chatLine = (id: string, content: string) =>
  JSON.stringify({
    custom_id: id,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'local-policy', messages: [{ role: 'user', content }], seed: 1, max_tokens: 4 },
  });

async function until<T>(f: () => Promise<T>, ok: (t: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await f();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

/** Uploads `input` as a batch input file and creates a chat-completions batch on it. */
async function submitBatch(c: OpenAI, input: string, filename: string, metadata?: Record<string, string>) {
  const f = await c.files.create({ file: await toFile(Buffer.from(input), filename), purpose: 'batch' });
  return c.batches.create({
    input_file_id: f.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    ...(metadata ? { metadata } : {}),
  });
}

describe('multipart parser', () => {
  it('parses fields and binary file parts', () => {
    const data = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    const body = Buffer.concat([
      Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'),
      Buffer.from(
        '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".jsonl"\r\nContent-Type: application/octet-stream\r\n\r\n',
      ),
      data,
      Buffer.from('\r\n--XyZ--\r\n'),
    ]);
    expect(multipartBoundary('multipart/form-data; boundary=XyZ')).toBe('XyZ');
    const parts = parseMultipart(body, 'XyZ');
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ['purpose', undefined],
      ['file', 'a "b".jsonl'],
    ]);
    expect(parts[1]?.data.equals(data)).toBe(true);
    expect(() => parseMultipart(Buffer.from('--XyZ\r\nno end'), 'XyZ')).toThrow(/Malformed multipart/);
  });
});

describe('OpenAI jobs server', () => {
  let models: LocalModelServer;
  let server: OpenAIJobsServer;
  let client: OpenAI;

  beforeAll(async () => {
    models = await startLocalModelServer({ port: 0 });
    server = await startOpenAIJobsServer({ target: models.url, batchDelayMs: 150, fineTuneDelayMs: 150 });
    client = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    await models.close();
  });

  it('stores uploaded files byte for byte and serves their content', async () => {
    const text = 'ünïcødé line\n{"a":1}\n';
    const f = await client.files.create({
      file: await toFile(Buffer.from(text), 'data.jsonl'),
      purpose: 'batch',
    });
    expect(f).toMatchObject({
      object: 'file',
      filename: 'data.jsonl',
      purpose: 'batch',
      bytes: Buffer.byteLength(text),
      status: 'processed',
    });
    expect(f.id).toMatch(/^file-/);
    expect(await client.files.retrieve(f.id)).toEqual(f);
    expect(await (await client.files.content(f.id)).text()).toBe(text);
    await expect(client.files.retrieve('file-missing')).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      client.files.create({ file: await toFile(Buffer.from('x'), 'x.jsonl'), purpose: 'bogus' as 'batch' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('runs a batch through validating, in_progress, finalizing to completed with OpenAI output lines', async () => {
    const input = [chatLine('a', 'describe the ocean'), chatLine('b', 'describe the forest')].join('\n');
    const b = await submitBatch(client, input, 'in.jsonl', { k: 'v' });
    expect(b).toMatchObject({
      object: 'batch',
      status: 'validating',
      completion_window: '24h',
      metadata: { k: 'v' },
    });
    const statuses = new Set<string>();
    const done = await until(
      () => client.batches.retrieve(b.id),
      (x) => {
        statuses.add(x.status);
        return x.status === 'completed';
      },
    );
    expect([...statuses]).toEqual(expect.arrayContaining(['in_progress', 'completed']));
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    expect(done.completed_at).toEqual(expect.any(Number));
    expect(done.error_file_id).toBeNull();
    const lines = (await (await client.files.content(done.output_file_id as string)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(['a', 'b']);
    for (const l of lines) {
      expect(l).toMatchObject({
        id: expect.stringMatching(/^batch_req_/) as string,
        error: null,
        response: { status_code: 200, request_id: expect.any(String) as string },
      });
      expect((l.response as { body: { object: string } }).body.object).toBe('chat.completion');
    }
    expect((await client.files.retrieve(done.output_file_id as string)).purpose).toBe('batch_output');
  });

  it('fails a batch whose input lines are invalid, with per-line errors', async () => {
    const input = [
      chatLine('a', 'x'),
      chatLine('a', 'y'),
      '{not json',
      JSON.stringify({ custom_id: 'c', method: 'POST', url: '/v1/embeddings', body: {} }),
    ].join('\n');
    const b = await submitBatch(client, input, 'bad.jsonl');
    const done = await until(
      () => client.batches.retrieve(b.id),
      (x) => x.status === 'failed',
    );
    expect(done.errors?.data?.map((e) => [e.code, e.line])).toEqual([
      ['duplicate_custom_id', 2],
      ['invalid_json_line', 3],
      ['mismatched_endpoint', 4],
    ]);
  });

  it('rejects bad batch creation requests as OpenAI does', async () => {
    const ft = await client.files.create({
      file: await toFile(Buffer.from('{}'), 't.jsonl'),
      purpose: 'fine-tune',
    });
    await expect(
      client.batches.create({
        input_file_id: ft.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'input_file_id' } });
    await expect(
      client.batches.create({
        input_file_id: 'file-nope',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
  });

  it('lists batches newest first with cursor pagination', async () => {
    const f = await client.files.create({
      file: await toFile(Buffer.from(chatLine('a', 'x')), 'p.jsonl'),
      purpose: 'batch',
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (
          await client.batches.create({
            input_file_id: f.id,
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
            metadata: { i: String(i) },
          })
        ).id,
      );
    const first = await client.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);
    const next = await client.batches.list({ limit: 2, after: ids[3] });
    expect(next.data.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    const all: string[] = [];
    for await (const b of client.batches.list({ limit: 2 })) all.push(b.id);
    expect(all.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(all).size).toBe(all.length);
    await expect(client.batches.list({ limit: 1000 })).rejects.toMatchObject({ status: 400 });
  });

  it('cancels a batch: cancelling, then cancelled; a finished batch cannot be cancelled', async () => {
    const slow = await startOpenAIJobsServer({ target: models.url, batchDelayMs: 5000 });
    try {
      const c = new OpenAI({ baseURL: slow.url, apiKey: 'test', maxRetries: 0 });
      const b = await submitBatch(c, chatLine('a', 'x'), 'c.jsonl');
      expect((await c.batches.cancel(b.id)).status).toBe('cancelling');
      const done = await until(
        () => c.batches.retrieve(b.id),
        (x) => x.status === 'cancelled',
      );
      expect(done.cancelled_at).toEqual(expect.any(Number));
    } finally {
      await slow.close();
    }
    const b = await submitBatch(client, chatLine('a', 'x'), 'd.jsonl');
    await until(
      () => client.batches.retrieve(b.id),
      (x) => x.status === 'completed',
    );
    await expect(client.batches.cancel(b.id)).rejects.toMatchObject({ status: 409 });
  });

  it('runs fine-tuning jobs, lists them by metadata and pages their events', async () => {
    const line = JSON.stringify({
      input: { messages: [{ role: 'user', content: 'describe the ocean' }] },
      preferred_output: [{ role: 'assistant', content: 'wave tide' }],
      non_preferred_output: [{ role: 'assistant', content: 'the the' }],
    });
    const f = await client.files.create({
      file: await toFile(Buffer.from(line + '\n'), 'dpo.jsonl'),
      purpose: 'fine-tune',
    });
    const mk = (key: string) =>
      client.fineTuning.jobs.create({
        model: 'base',
        training_file: f.id,
        method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.1 } } },
        metadata: { idempotency_key: key },
      });
    const a = await mk('one');
    await mk('two');
    expect(a).toMatchObject({
      object: 'fine_tuning.job',
      status: 'validating_files',
      fine_tuned_model: null,
    });
    const listed = await client.fineTuning.jobs.list({ metadata: { idempotency_key: 'one' } });
    expect(listed.data.map((j) => j.id)).toEqual([a.id]);
    const done = await until(
      () => client.fineTuning.jobs.retrieve(a.id),
      (j) => j.status === 'succeeded',
    );
    expect(done.fine_tuned_model).toMatch(/^ft:base:personal:/);
    expect(done.result_files).toHaveLength(1);
    const events = await client.fineTuning.jobs.listEvents(a.id, { limit: 3 });
    expect(events.data).toHaveLength(3);
    expect(events.has_more).toBe(true);
    expect(events.data[0]).toMatchObject({ object: 'fine_tuning.job.event', level: 'info' });
    await expect(client.fineTuning.jobs.cancel(a.id)).rejects.toMatchObject({ status: 400 });
    await expect(client.fineTuning.jobs.retrieve('ftjob-nope')).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      client.fineTuning.jobs.create({ model: 'base', training_file: 'file-nope' }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'training_file' } });
  });

  it('checks the API key when it is given one', async () => {
    const locked = await startOpenAIJobsServer({ apiKey: 'sk-right' });
    try {
      const wrong = new OpenAI({ baseURL: locked.url, apiKey: 'sk-wrong', maxRetries: 0 });
      await expect(wrong.batches.list()).rejects.toMatchObject({ status: 401 });
      const right = new OpenAI({ baseURL: locked.url, apiKey: 'sk-right', maxRetries: 0 });
      expect((await right.batches.list()).data).toEqual([]);
    } finally {
      await locked.close();
    }
  });

  it('counts what it created', () => {
    const s = server.stats();
    expect(s.batchesCreated).toBeGreaterThanOrEqual(8);
    expect(s.fineTuningJobsCreated).toBe(2);
    expect(s.filesCreated).toBeGreaterThan(0);
  });
});
