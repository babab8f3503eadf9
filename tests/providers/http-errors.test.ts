import { randomBytes } from 'node:crypto';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { classifyError, isRetryable, parseRetryAfter } from '../../src/providers/http-errors';

const EP = { baseURL: 'https://api.example.test/v1', model: 'judge-9b', apiKeyEnv: 'EXAMPLE_API_KEY' };
const apiError = (
  status: number,
  message = 'server says no',
  headers: Record<string, string> = {},
): APIError => APIError.generate(status, { error: { message } }, message, new Headers(headers));

describe('classifyError', () => {
  test('429 is retryable and carries Retry-After', () => {
    const e = classifyError(apiError(429, 'slow', { 'retry-after': '3' }), EP);
    expect(e.name).toBe('RateLimitedError');
    expect(e.retryable).toBe(true);
    expect((e as unknown as { retryAfterMs: number }).retryAfterMs).toBe(3000);
    expect(classifyError(apiError(429, 'slow', { 'retry-after-ms': '250' }), EP)).toMatchObject({
      retryAfterMs: 250,
    });
    expect(classifyError(apiError(429, 'slow'), EP)).toMatchObject({ retryAfterMs: undefined });
  });

  test.each([500, 502, 503, 504, 408])('%i is transient', (status) => {
    const e = classifyError(apiError(status), EP);
    expect(e.name).toBe('TransientEndpointError');
    expect(isRetryable(e)).toBe(true);
  });

  test('401 and 403 name the key variable, never a key', () => {
    // Made up at run time, so no key-like literal is committed.
    const secret = randomBytes(8).toString('hex');
    process.env.EXAMPLE_API_KEY = `sk-test-${secret}`;
    try {
      for (const status of [401, 403]) {
        const e = classifyError(apiError(status, `Incorrect API key provided: sk-test-${secret}`), EP);
        expect(e.name).toBe('EndpointConfigError');
        expect(e.retryable).toBe(false);
        expect(e.message).toContain('EXAMPLE_API_KEY');
        expect(e.message).toContain(EP.baseURL);
        expect(e.message).toContain(EP.model);
        expect(e.message).not.toContain(secret);
      }
    } finally {
      delete process.env.EXAMPLE_API_KEY;
    }
    const noKey = classifyError(apiError(401), { baseURL: EP.baseURL, model: EP.model });
    expect(noKey.message).toMatch(/apiKeyEnv/);
  });

  test('404 says to check the model name and baseURL; 400 carries the server message', () => {
    const nf = classifyError(apiError(404, 'model not found'), EP);
    expect(nf.name).toBe('EndpointConfigError');
    expect(nf.message).toMatch(/model name "judge-9b"/);
    expect(nf.message).toMatch(/baseURL/);
    const bad = classifyError(apiError(400, 'logprobs is not supported'), EP);
    expect(bad.name).toBe('EndpointConfigError');
    expect(bad.message).toContain('logprobs is not supported');
    expect(isRetryable(bad)).toBe(false);
  });

  test('timeouts, resets, refused connections and malformed JSON are transient', () => {
    expect(classifyError(new APIConnectionTimeoutError(), EP).name).toBe('TransientEndpointError');
    const reset = new APIConnectionError({
      cause: Object.assign(new Error('other side closed'), { code: 'ECONNRESET' }),
    });
    expect(classifyError(reset, EP).message).toMatch(/ECONNRESET/);
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyError(refused, EP)).toMatchObject({ name: 'TransientEndpointError', retryable: true });
    const syntax = classifyError(new SyntaxError('Unexpected token < in JSON'), EP);
    expect(syntax.name).toBe('TransientEndpointError');
    expect(syntax.message).toMatch(/malformed JSON/);
  });

  test('cancellation is not retryable', () => {
    expect(classifyError(new APIUserAbortError(), EP)).toMatchObject({
      name: 'AbortError',
      retryable: false,
    });
    expect(isRetryable(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
  });

  test('classified errors pass through unchanged (checked by marker)', () => {
    const e = classifyError(apiError(503), EP);
    expect(classifyError(e, EP)).toBe(e);
    // A copy without the prototype (as after crossing a bundle) keeps its classification.
    expect(isRetryable({ ...e, isEndpointError: true, retryable: true })).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  test('seconds, milliseconds and HTTP dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
