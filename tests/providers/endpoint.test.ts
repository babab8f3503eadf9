import { createClient, endpointConfigSchema, parseEndpointConfig } from '../../src/providers/endpoint';
import { costOf, UsageAccumulator } from '../../src/providers/usage';

describe('endpoint config', () => {
  test('defaults: chat style, 60 s timeout, 8 concurrent requests', () => {
    const cfg = parseEndpointConfig({ baseURL: 'http://localhost:8000/v1', model: 'm' });
    expect(cfg).toMatchObject({ style: 'chat', timeoutMs: 60000, maxConcurrency: 8 });
  });

  test('rejects a non-URL baseURL, unknown fields and a key in place of a variable name', () => {
    expect(() => parseEndpointConfig({ baseURL: 'localhost:8000', model: 'm' })).toThrow(/baseURL/);
    expect(() => parseEndpointConfig({ baseURL: 'http://h/v1', model: 'm', apiKey: 'x' })).toThrow(/apiKey/);
    expect(() =>
      parseEndpointConfig({ baseURL: 'http://h/v1', model: 'm', apiKeyEnv: 'sk-abc/123' }),
    ).toThrow(/NAME of an environment variable/);
    expect(endpointConfigSchema.safeParse({ baseURL: 'ftp://h', model: 'm' }).success).toBe(false);
    try {
      parseEndpointConfig({ baseURL: 'http://h/v1', model: '' });
    } catch (e) {
      expect((e as Error).name).toBe('EndpointConfigError');
    }
  });

  test('createClient names the missing key variable and uses no SDK retries', () => {
    delete process.env.RLAIF_TEST_MISSING_KEY;
    const cfg = parseEndpointConfig({
      baseURL: 'http://h/v1',
      model: 'm',
      apiKeyEnv: 'RLAIF_TEST_MISSING_KEY',
    });
    expect(() => createClient(cfg)).toThrow(/RLAIF_TEST_MISSING_KEY/);
    process.env.RLAIF_TEST_MISSING_KEY = 'value-of-key';
    try {
      const client = createClient(cfg);
      expect(client.maxRetries).toBe(0);
      expect(client.apiKey).toBe('value-of-key');
      expect(client.timeout).toBe(60000);
    } finally {
      delete process.env.RLAIF_TEST_MISSING_KEY;
    }
    expect(createClient(parseEndpointConfig({ baseURL: 'http://h/v1', model: 'm' })).apiKey).toBe('no-key');
  });
});

describe('usage', () => {
  test('accumulates per stage and round and prices it', () => {
    const acc = new UsageAccumulator({ judge: { inputPerMTok: 2, outputPerMTok: 10 } });
    acc.add('judge', 1, 'judge', { promptTokens: 500_000, completionTokens: 100_000, requests: 10 });
    acc.add('judge', 1, 'judge', { promptTokens: 500_000, completionTokens: 0, requests: 5 });
    acc.add('generate', 1, 'policy', { promptTokens: 10, completionTokens: 20, requests: 1 });
    const t = acc.total({ stage: 'judge', round: 1 });
    expect(t.usage).toEqual({ promptTokens: 1_000_000, completionTokens: 100_000, requests: 15 });
    expect(t.cost).toBeCloseTo(3);
    expect(acc.total().unpriced).toEqual(['policy']);
    expect(
      costOf(
        { promptTokens: 0, completionTokens: 2e6, requests: 1 },
        { inputPerMTok: 1, outputPerMTok: 1.5 },
      ),
    ).toBe(3);
  });
});
