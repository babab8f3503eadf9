/** The fault proxy in front of the local server: every fault kind as the `openai` SDK observes it. */
import OpenAI from 'openai';
import { FAULT_KINDS, faultFor, type FaultPlan } from '../../devtools/fault-proxy';
import { useProxiedModelServer } from '../helpers/proxied-model-server';

/**
 * Jest runs tests in a VM realm while fetch lives in Node's own, so fetch's AbortError is not an
 * `instanceof Error` there and the SDK's castToError flattens it to "Error: {}", turning a
 * timeout into a plain APIConnectionError. Re-throwing it as a local Error keeps its name, as
 * plain Node does.
 */
const realmSafeFetch: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (e) {
    const local = new Error((e as Error).message, { cause: (e as Error).cause });
    local.name = (e as Error).name;
    throw local;
  }
};

describe('fault proxy', () => {
  const models = useProxiedModelServer();

  async function through(plan: FaultPlan, clientOpts: { timeout?: number; maxRetries?: number } = {}) {
    const proxy = await models.proxy({ plan });
    const client = new OpenAI({
      baseURL: proxy.url,
      apiKey: 'test',
      maxRetries: 0,
      fetch: realmSafeFetch,
      ...clientOpts,
    });
    return { proxy, client };
  }
  const chat = (client: OpenAI) =>
    client.chat.completions.create({
      model: 'local-policy',
      messages: [{ role: 'user', content: 'describe the ocean' }],
      logprobs: true,
      top_logprobs: 2,
      seed: 1,
    });

  it('passes requests through untouched when the plan says ok', async () => {
    const { proxy, client } = await through({ sequence: ['ok'] });
    expect(proxy.url).toMatch(/\/v1$/);
    const direct = await chat(new OpenAI({ baseURL: models.server().url, apiKey: 'test' }));
    const proxied = await chat(client);
    expect(proxied.choices).toEqual(direct.choices);
    expect(proxy.stats()).toEqual({ requests: 1, faults: {}, rateLimited: 0 });
  });

  it('429 carries Retry-After and retry-after-ms headers and a rate-limit error body; the SDK honours them', async () => {
    const { proxy, client } = await through({ sequence: ['429', '429'], retryAfterSeconds: 2 });
    const err = (await chat(client).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('2');
    expect(err.headers?.get('retry-after-ms')).toBe('2000');
    expect(err.code).toBe('rate_limit_exceeded');
    expect(proxy.stats().faults).toEqual({ '429': 1 });

    const fast = await through({ sequence: ['429'], retryAfterSeconds: 0.05 }, { maxRetries: 1 });
    const t0 = Date.now();
    const ok = await chat(fast.client);
    expect(ok.choices).toHaveLength(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    expect(fast.proxy.stats()).toEqual({ requests: 2, faults: { '429': 1 }, rateLimited: 0 });
  });

  it('500 is an InternalServerError', async () => {
    const { client } = await through({ sequence: ['500'] });
    const err = await chat(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(500);
  });

  it('a hang times out in the SDK (timeout option, maxRetries 0)', async () => {
    const { proxy, client } = await through({ sequence: ['hang'], hangMs: 20_000 }, { timeout: 300 });
    const t0 = Date.now();
    const err = await chat(client).catch((e: unknown) => e);
    const elapsed = Date.now() - t0;
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5000);
    expect(proxy.stats().faults).toEqual({ hang: 1 });
    // A short hang only delays the answer.
    const slow = await through({ sequence: ['hang'], hangMs: 100 });
    expect((await chat(slow.client)).choices).toHaveLength(1);
  });

  it('malformed and truncated JSON bodies fail to parse in the SDK', async () => {
    for (const kind of ['malformed-json', 'truncated-json'] as const) {
      const { client } = await through({ sequence: [kind] });
      const err = await chat(client).catch((e: unknown) => e);
      // Compared by name: the SyntaxError comes from another realm than jest's sandbox.
      expect((err as Error).name).toBe('SyntaxError');
      expect(err).not.toBeInstanceOf(OpenAI.APIError);
    }
  });

  it('a dropped connection is an APIConnectionError', async () => {
    const { client } = await through({ sequence: ['drop-connection'] });
    const err = await chat(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(err).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('strips or mangles logprobs', async () => {
    const missing = await through({ sequence: ['missing-logprobs'] });
    const r = await chat(missing.client);
    expect(r.choices[0]?.message.content).toEqual(expect.any(String));
    expect(r.choices[0]?.logprobs).toBeNull();

    const wrong = await through({ sequence: ['wrong-logprobs-shape'] });
    const w = await chat(wrong.client);
    const entry = w.choices[0]?.logprobs?.content?.[0] as unknown as Record<string, unknown>;
    expect(typeof entry.logprob).toBe('string');
    expect(Array.isArray(entry.top_logprobs)).toBe(false);
  });

  it('a seeded plan is deterministic and faults about `rate` of the requests', async () => {
    const plan: FaultPlan = { seed: 3, rate: 0.3, kinds: [...FAULT_KINDS] };
    const kinds = Array.from({ length: 1000 }, (_, k) => faultFor(plan, k));
    expect(Array.from({ length: 1000 }, (_, k) => faultFor(plan, k))).toEqual(kinds);
    const faulted = kinds.filter((k) => k !== 'ok').length;
    expect(faulted).toBeGreaterThan(240);
    expect(faulted).toBeLessThan(360);
    for (const kind of FAULT_KINDS) expect(kinds).toContain(kind);

    const { proxy, client } = await through({ seed: 3, rate: 0.5, kinds: ['500', '429'] });
    // Model lists pass through outside the plan (a run lists its models at start).
    await Promise.all(Array.from({ length: 5 }, () => client.models.list()));
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => chat(client)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    const planned = Array.from({ length: 12 }, (_, k) =>
      faultFor({ seed: 3, rate: 0.5, kinds: ['500', '429'] }, k),
    );
    expect(failed).toBe(planned.filter((k) => k !== 'ok').length);
    const stats = proxy.stats();
    expect(stats.requests).toBe(12);
    expect((stats.faults['500'] ?? 0) + (stats.faults['429'] ?? 0)).toBe(failed);
  });
});
