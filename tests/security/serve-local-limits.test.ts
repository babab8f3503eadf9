/**
 * The local model server against a careless or hostile client: per-request limits answer 400 at
 * once, work in flight is bounded (429 beyond it), long requests yield and do not hold up close(),
 * the API key is required when set, and bad model names and store files are 4xx, never 500.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { exportPolicyOnnx, initPolicy } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { buildOnnxModel } from '../../src/onnx/build';
import {
  localModelLimits,
  startLocalModelServer,
  type LocalModelServer,
} from '../../src/model-server/local-model-server';
import { Rng } from '../../src/util/rng';

/** A near-uniform policy: its choices run to maxLen (10 tokens), the most work per choice. */
const POLICY = exportPolicyOnnx(initPolicy(Vocab.demo(), 10, new Rng(3)));

interface Reply {
  status: number;
  body: { error?: { message: string; type: string; param: string | null; code: string | null } } & Record<
    string,
    unknown
  >;
  headers: Headers;
  ms: number;
}

async function call(
  server: LocalModelServer,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Reply['body'];
  return { status: res.status, body: json, headers: res.headers, ms: performance.now() - t0 };
}

const prompts = (count: number) => Array.from({ length: count }, (_, i) => `describe the ocean ${i}`);

describe('per-request limits', () => {
  let server: LocalModelServer;
  beforeAll(async () => {
    server = await startLocalModelServer({ policyOnnx: POLICY });
  });
  afterAll(async () => {
    await server.close();
  });

  test('the 44 KB request of 2,000 prompts × n 128 × logprobs 5 is a fast 400, and the server goes on', async () => {
    const r = await call(server, '/completions', {
      model: 'local-policy',
      prompt: prompts(2000),
      n: 128,
      logprobs: 5,
    });
    expect(r.status).toBe(400);
    expect(r.ms).toBeLessThan(2000);
    expect(r.body.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'request_too_large',
    });
    expect(r.body.error?.message).toContain('(1024)');

    const small = await call(server, '/completions', {
      model: 'local-policy',
      prompt: 'describe rain',
      n: 2,
    });
    expect(small.status).toBe(200);
    expect(small.body.choices).toHaveLength(2);
  });

  test('a request within every cap but over the work budget is a fast 400 naming the budget', async () => {
    const r = await call(server, '/completions', {
      model: 'local-policy',
      prompt: prompts(1000),
      n: 128,
      logprobs: 5,
    });
    expect(r.status).toBe(400);
    expect(r.ms).toBeLessThan(2000);
    expect(r.body.error).toMatchObject({ param: 'prompt', code: 'request_too_large' });
    // 1000 prompts × 128 × 10 tokens × (1 + 5) = 7,680,000 units against the default 524,288.
    expect(r.body.error?.message).toContain('7680000 work units');
    expect(r.body.error?.message).toContain('maxWorkUnits');
    expect(r.body.error?.message).toContain(String(localModelLimits().maxWorkUnits));
  });

  test('each field has its own cap, named in the error', async () => {
    const over = async (path: string, body: Record<string, unknown>, param: string) => {
      const r = await call(server, path, body);
      expect(r.status).toBe(400);
      expect(r.body.error?.param).toBe(param);
      return r.body.error?.message ?? '';
    };
    const chat = { model: 'local-policy', messages: [{ role: 'user', content: 'describe rain' }] };
    expect(await over('/chat/completions', { ...chat, n: 129 }, 'n')).toContain('[1, 128]');
    expect(await over('/chat/completions', { ...chat, max_tokens: 4097 }, 'max_tokens')).toContain('4096');
    expect(
      await over('/chat/completions', { ...chat, logprobs: true, top_logprobs: 21 }, 'top_logprobs'),
    ).toContain('20');
    expect(
      await over('/completions', { model: 'local-policy', prompt: 'a', logprobs: 21 }, 'logprobs'),
    ).toContain('20');
    const long = 'wave '.repeat(300_000);
    expect(await over('/completions', { model: 'local-policy', prompt: long }, 'prompt')).toContain(
      'maxInputChars',
    );
    expect(
      await over(
        '/chat/completions',
        { model: 'local-judge', messages: [{ role: 'user', content: long }] },
        'messages',
      ),
    ).toContain('maxInputChars');
    expect(
      await over(
        '/embeddings',
        { model: 'local-embed', input: Array.from({ length: 2049 }, () => 'a') },
        'input',
      ),
    ).toContain('(2048)');
    expect(
      await over(
        '/embeddings',
        { model: 'local-embed', input: Array.from({ length: 2048 }, () => 'a'), dimensions: 4096 },
        'input',
      ),
    ).toContain('2048 inputs × 4096 dimensions');
    expect(await over('/chat/completions', { ...chat, model: 'x'.repeat(1000) }, 'model')).toContain('256');
  });

  test('the judge is held to the budget by the real length of its answers', async () => {
    const judging = 'Prompt: describe the ocean\nResponse 1: wave tide\nResponse 2: drum\n\nRationale:';
    const one = await call(server, '/completions', { model: 'local-judge', prompt: judging, n: 4 });
    expect(one.status).toBe(200);
    const r = await call(server, '/completions', {
      model: 'local-judge',
      prompt: Array.from({ length: 1000 }, () => judging),
      n: 128,
    });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('request_too_large');
  });

  test('limits out of range are refused when the server starts', () => {
    expect(() => localModelLimits({ maxWorkUnits: 0 })).toThrow(/maxWorkUnits must be a whole number/);
    expect(() => localModelLimits({ maxLogprobs: 21 })).toThrow(/maxLogprobs must be at most 20/);
    expect(() => localModelLimits({ maxConcurrent: 1.5 })).toThrow(/maxConcurrent/);
    expect(() => localModelLimits({ maxQueued: -1 })).toThrow(/maxQueued/);
  });
});

describe('work in flight', () => {
  /** About 77k tokens: long enough for a flood to arrive while it computes. */
  const heavy = { model: 'local-policy', prompt: prompts(60), n: 128 };

  test('beyond maxConcurrent computing and maxQueued waiting, requests get 429 with retry-after', async () => {
    const server = await startLocalModelServer({
      policyOnnx: POLICY,
      limits: { maxConcurrent: 1, maxQueued: 1 },
    });
    try {
      const replies = await Promise.all(Array.from({ length: 6 }, () => call(server, '/completions', heavy)));
      const statuses = replies.map((r) => r.status);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
      const refused = replies.find((r) => r.status === 429) as Reply;
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
      expect(refused.body.error?.message).toContain('maxConcurrent 1, maxQueued 1');
      // Slots are given back: the server takes work again.
      expect((await call(server, '/completions', { model: 'local-policy', prompt: 'rain' })).status).toBe(
        200,
      );
    } finally {
      await server.close();
    }
  });

  test('a long request yields: a small one started after it answers first', async () => {
    const server = await startLocalModelServer({ policyOnnx: POLICY });
    try {
      const order: string[] = [];
      const big = call(server, '/completions', { ...heavy, prompt: prompts(200) }).then((r) => {
        order.push('big');
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const small = await call(server, '/chat/completions', {
        model: 'local-policy',
        messages: [{ role: 'user', content: 'describe rain' }],
      });
      order.push('small');
      expect(small.status).toBe(200);
      expect((await big).status).toBe(200);
      expect(order).toEqual(['small', 'big']);
    } finally {
      await server.close();
    }
  });

  test('close() does not wait for a long request to finish computing', async () => {
    const server = await startLocalModelServer({ policyOnnx: POLICY, limits: { maxWorkUnits: 1 << 24 } });
    const t0 = performance.now();
    // About 1.28 million tokens: tens of seconds of work.
    const big = call(server, '/completions', { ...heavy, prompt: prompts(1000) }).then(
      (r) => r.status,
      () => 'connection closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.close();
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(await big).toBe('connection closed');
  });
});

describe('API key', () => {
  const KEY = `key${randomBytes(8).toString('hex')}`;
  let server: LocalModelServer;
  beforeAll(async () => {
    server = await startLocalModelServer({ policyOnnx: POLICY, apiKey: KEY });
  });
  afterAll(async () => {
    await server.close();
  });
  const chat = { model: 'local-policy', messages: [{ role: 'user', content: 'describe rain' }] };

  test('the right key is 200; a wrong, partial or missing key is 401', async () => {
    expect((await call(server, '/chat/completions', chat, { authorization: `Bearer ${KEY}` })).status).toBe(
      200,
    );
    for (const auth of [`Bearer ${KEY.slice(0, -1)}x`, `Bearer ${KEY.slice(0, 4)}`, `Bearer ${KEY}0`, KEY]) {
      const r = await call(server, '/chat/completions', chat, { authorization: auth });
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('invalid_api_key');
      expect(r.body.error?.message).not.toContain(KEY.slice(0, 6));
    }
    const none = await call(server, '/models');
    expect(none.status).toBe(401);
    expect(none.body.error?.message).toContain('Authorization: Bearer');
  });

  test('/health needs no key', async () => {
    expect((await fetch(new URL('/health', server.url))).status).toBe(200);
  });
});

describe('bad model names and store files', () => {
  let root: string;
  let server: LocalModelServer;
  const put = (key: string, bytes: Uint8Array | string) => {
    mkdirSync(dirname(join(root, key)), { recursive: true });
    writeFileSync(join(root, key), bytes);
  };
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'rlaif-serve-limits-'));
    put('runs/r1/policy.onnx', POLICY);
    put('runs/r1/pairs.jsonl', '{"secret":"do-not-echo-this"}\n');
    put(
      'runs/r1/garbage.onnx',
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256),
    );
    put(
      'runs/r1/other.onnx',
      buildOnnxModel({
        name: 'not_a_policy',
        inputs: [{ name: 'x', type: 'float', shape: ['N', 2] }],
        outputs: [{ name: 'y', type: 'float', shape: ['N', 2] }],
        nodes: [{ op: 'Add', inputs: ['x', 'b'], outputs: ['y'] }],
        weights: [{ name: 'b', dims: [2], data: Float32Array.of(1, 2) }],
        metadata: { kind: 'do-not-echo-this' },
      }),
    );
    server = await startLocalModelServer({ policyOnnx: POLICY, storeRoot: root });
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const complete = (model: string) => call(server, '/completions', { model, prompt: 'describe rain' });

  test('a stored policy is served', async () => {
    expect((await complete('store:runs/r1/policy.onnx')).status).toBe(200);
  });

  test('bad percent-encoding in a URL is a 400, not a 500', async () => {
    const r = await call(server, '/models/store%3A%E0%A4%A');
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toContain('percent-encoding');
    expect((await call(server, '/models/%')).status).toBe(400);
    expect((await call(server, '/models/store%3Aruns%2Fr1%2Fpolicy.onnx')).status).toBe(200);
  });

  test('a model name that is no store key is a 400 naming the model', async () => {
    for (const model of ['store:%E0%A4%A', 'store:../outside', 'store:', 'store:a//b']) {
      const r = await complete(model);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ param: 'model', type: 'invalid_request_error' });
      expect(r.body.error?.message).toContain('artifact store key');
    }
  });

  test('a missing store file is a 404', async () => {
    for (const model of ['store:runs/r1/none.onnx', 'store:runs/r1']) {
      const r = await complete(model);
      expect(r.status).toBe(404);
      expect(r.body.error?.code).toBe('model_not_found');
    }
  });

  test('a store file that is not a policy is a 400 that never quotes the file', async () => {
    for (const key of ['runs/r1/pairs.jsonl', 'runs/r1/garbage.onnx', 'runs/r1/other.onnx']) {
      for (const r of [
        await complete(`store:${key}`),
        await call(server, `/models/${encodeURIComponent(`store:${key}`)}`),
      ]) {
        expect(r.status).toBe(400);
        expect(r.body.error).toMatchObject({ param: 'model', code: 'invalid_model' });
        expect(r.body.error?.message).toContain('not a policy model');
        expect(r.body.error?.message).not.toContain('do-not-echo-this');
        expect(r.body.error?.message).not.toMatch(/\n\s+at /);
      }
    }
  });
});
