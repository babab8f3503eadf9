/**
 * A fault-injecting HTTP proxy for the local model server (or any OpenAI-compatible endpoint):
 * it forwards requests and, by a deterministic plan, answers some of them with the failures a real
 * provider produces (rate limits, server errors, hangs, broken bodies, missing or malformed
 * logprobs, dropped connections), so the retry and dead-letter paths of the client can be tested.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { Rng, seedFrom } from '../src/util/rng';
import { SlidingWindowLimiter, type RequestLimit } from '../src/model-server/request-limiter';

/** The faults the proxy can inject. */
export const FAULT_KINDS = [
  '429',
  '500',
  'hang',
  'malformed-json',
  'truncated-json',
  'missing-logprobs',
  'wrong-logprobs-shape',
  'drop-connection',
] as const;

/** One fault. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Which requests fail and how. Either random but seeded (request k is faulted when the k-th draw
 * of the plan's stream falls below `rate`; its kind is drawn from `kinds`), or an explicit
 * `sequence` applied request by request (requests past its end pass through).
 */
export type FaultPlan =
  | {
      seed: number;
      /** Share of requests faulted, in [0, 1]. */
      rate: number;
      kinds: FaultKind[];
      /** Seconds announced in Retry-After on a 429 (default 1). */
      retryAfterSeconds?: number;
      /** How long a `hang` holds the request before forwarding it (default 30 000 ms). */
      hangMs?: number;
    }
  | { sequence: Array<FaultKind | 'ok'>; retryAfterSeconds?: number; hangMs?: number };

/** Options of `startFaultProxy`. */
export interface FaultProxyOptions {
  /** The upstream base URL, e.g. http://127.0.0.1:PORT or http://127.0.0.1:PORT/v1. */
  target: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  plan: FaultPlan;
  /**
   * Added to every forwarded response, ms (default 0): a real model's latency, so throughput
   * against a rate ceiling can be measured. Requests wait concurrently.
   */
  latencyMs?: number;
  /**
   * A provider's request ceiling, enforced before the fault plan: requests over it get a real 429
   * with Retry-After (the time until the window frees a slot) and never reach the target.
   */
  rateLimit?: RequestLimit;
  /** Behaviours of real third-party servers, applied to every request (not by the plan). */
  quirks?: ServerQuirks;
}

/**
 * How some real OpenAI-compatible servers differ from OpenAI's API, so the client's handling of
 * them can be tested without those servers. Each is modelled on llama.cpp's llama-server.
 */
export interface ServerQuirks {
  /** Completions logprobs in the chat shape `{content: [...]}` instead of the legacy one. */
  chatShapeCompletionLogprobs?: boolean;
  /** Requests with `n` above this get HTTP 400 (llama-server: n above its slots). */
  maxN?: number;
  /** `usage.completion_tokens` counts only the first choice's tokens when n > 1. */
  firstChoiceUsage?: boolean;
  /**
   * Some requests get HTTP 500 every time they are sent: those whose (input text, seed,
   * temperature) hash below `rate` (llama-server: "the model produced output that does not match
   * the expected format" for a random model). The same request fails the same way; another seed
   * or temperature is another draw. Inputs containing `always` fail whatever the seed.
   */
  failRequests?: { seed: number; rate: number; always?: string };
}

/** The HTTP status and error message a quirk answers a request with, or undefined to forward it. */
export function quirkRejection(
  quirks: ServerQuirks | undefined,
  body: Record<string, unknown>,
): { status: number; message: string } | undefined {
  if (!quirks) return undefined;
  const n = typeof body.n === 'number' ? body.n : 1;
  if (quirks.maxN !== undefined && n > quirks.maxN)
    return {
      status: 400,
      message: `n must be at most ${quirks.maxN} (the number of slots) (injected by the fault proxy)`,
    };
  const fail = quirks.failRequests;
  if (fail) {
    const messages = Array.isArray(body.messages) ? (body.messages as Array<{ content?: unknown }>) : [];
    const text =
      messages.length > 0 ? messages.map((m) => String(m.content)).join('\n') : String(body.prompt ?? '');
    const seed = typeof body.seed === 'number' ? body.seed : 0;
    const temperature = typeof body.temperature === 'number' ? body.temperature : 1;
    const draw = new Rng(seedFrom(fail.seed, 'quirk-500', text, seed, temperature)).next();
    if ((fail.always !== undefined && text.includes(fail.always)) || draw < fail.rate)
      return {
        status: 500,
        message: 'The model produced output that does not match the expected Content-only format (injected)',
      };
  }
  return undefined;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** The base URL for a client: the proxy's origin plus the target's path (e.g. …/v1). */
  url: string;
  close(): Promise<void>;
  /** Requests seen and faults injected, by kind. */
  stats(): { requests: number; faults: Record<string, number>; rateLimited: number };
}

/** Which fault (or 'ok') the plan assigns to request number k (0-based). */
export function faultFor(plan: FaultPlan, k: number): FaultKind | 'ok' {
  if ('sequence' in plan) return plan.sequence[k] ?? 'ok';
  if (plan.kinds.length === 0 || plan.rate <= 0) return 'ok';
  const rng = new Rng(seedFrom(plan.seed, 'fault', k));
  if (rng.next() >= plan.rate) return 'ok';
  return plan.kinds[Math.floor(rng.next() * plan.kinds.length)] as FaultKind;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

/** Starts the proxy; resolves once it listens. */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== 'http:')
    throw new Error(`startFaultProxy: target must be an http:// URL, got ${opts.target}`);
  const basePath = target.pathname.replace(/\/+$/, '');
  const retryAfter = opts.plan.retryAfterSeconds ?? 1;
  const hangMs = opts.plan.hangMs ?? 30_000;
  let requests = 0;
  let rateLimited = 0;
  const faults: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  const limiter = opts.rateLimit ? new SlidingWindowLimiter(opts.rateLimit) : undefined;
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'host')
          headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      headers['content-length'] = String(body.length);
      const up = httpRequest(
        { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });

  const send = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Buffer | string,
  ) => {
    if (res.destroyed) return;
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { ...headers, 'content-length': String(buf.length) });
    res.end(buf);
  };

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => send(res, status, { 'content-type': 'application/json', ...headers }, JSON.stringify(body));

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    // Model lists (a run's start-up check of its models) pass through outside the plan, so that a
    // plan's faults land on the requests a test means them for.
    if (req.method === 'GET') {
      const up = await forward(req, body);
      return send(res, up.status, up.headers, up.body);
    }
    const admitted = limiter?.admit() ?? { ok: true };
    if (!admitted.ok) {
      rateLimited++;
      const ms = admitted.retryAfterMs;
      return sendJson(
        res,
        429,
        {
          error: {
            message: `Rate limit reached for requests: limit ${admitted.limit} per ${opts.rateLimit?.windowMs ?? 60_000} ms. Please try again in ${ms}ms.`,
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
        { 'retry-after': String(Math.ceil(ms / 1000)), 'retry-after-ms': String(ms) },
      );
    }
    const quirk = quirkRejection(opts.quirks, parseBody(body));
    if (quirk) {
      requests++;
      const type = quirk.status === 400 ? 'invalid_request_error' : 'server_error';
      return sendJson(res, quirk.status, {
        error: { message: quirk.message, type, param: null, code: null },
      });
    }
    const kind = faultFor(opts.plan, requests++);
    if (kind !== 'ok') faults[kind] = (faults[kind] ?? 0) + 1;
    switch (kind) {
      case '429':
        return sendJson(
          res,
          429,
          {
            error: {
              message: `Rate limit reached for requests (injected by the fault proxy). Please try again in ${retryAfter}s.`,
              type: 'requests',
              param: null,
              code: 'rate_limit_exceeded',
            },
          },
          { 'retry-after': String(retryAfter), 'retry-after-ms': String(Math.round(retryAfter * 1000)) },
        );
      case '500':
        return sendJson(res, 500, {
          error: {
            message: 'The server had an error while processing your request. Sorry about that! (injected)',
            type: 'server_error',
            param: null,
            code: null,
          },
        });
      case 'drop-connection':
        req.socket.destroy();
        return;
      case 'hang': {
        const gone = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve(false);
          }, hangMs);
          timers.add(t);
          res.once('close', () => {
            clearTimeout(t);
            timers.delete(t);
            resolve(true);
          });
        });
        if (gone) return;
        break;
      }
      default:
        break;
    }
    let up: Awaited<ReturnType<typeof forward>>;
    try {
      up = await forward(req, body);
    } catch (err) {
      return sendJson(res, 502, {
        error: {
          message: `fault proxy: upstream failed: ${String(err)}`,
          type: 'server_error',
          param: null,
          code: null,
        },
      });
    }
    if (opts.latencyMs) await delay(opts.latencyMs);
    const text = up.body.toString('utf8');
    switch (kind) {
      case 'malformed-json':
        return send(res, up.status, up.headers, text.startsWith('{') ? `{,${text.slice(1)}` : `{,${text}`);
      case 'truncated-json':
        return send(res, up.status, up.headers, up.body.subarray(0, Math.floor(up.body.length / 2)));
      case 'missing-logprobs':
      case 'wrong-logprobs-shape':
        return send(res, up.status, up.headers, mutateLogprobs(text, kind));
      default:
        return opts.quirks && up.status === 200
          ? send(res, up.status, up.headers, applyQuirks(text, opts.quirks))
          : send(res, up.status, up.headers, up.body);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) =>
        sendJson(res, 502, {
          error: { message: `fault proxy: ${String(err)}`, type: 'server_error', param: null, code: null },
        }),
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    stats: () => ({ requests, faults: { ...faults }, rateLimited }),
  };
}

/**
 * `missing-logprobs`: every choice's logprobs becomes null (a provider that ignored the request).
 * `wrong-logprobs-shape`: chat logprobs come back in a foreign shape (string logprobs, top_logprobs
 * as a token→logprob map), legacy ones with arrays where maps belong. Bodies that are not JSON or
 * have no choices pass through unchanged.
 */
function mutateLogprobs(text: string, kind: 'missing-logprobs' | 'wrong-logprobs-shape'): string {
  let body: { choices?: Array<Record<string, unknown>> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return text;
  }
  if (!Array.isArray(body.choices)) return text;
  for (const c of body.choices) {
    if (kind === 'missing-logprobs') {
      c.logprobs = null;
      continue;
    }
    const lp = c.logprobs as Record<string, unknown> | null | undefined;
    if (lp && Array.isArray(lp.content)) {
      lp.content = (
        lp.content as Array<{
          token: string;
          logprob: number;
          top_logprobs?: Array<{ token: string; logprob: number }>;
        }>
      ).map((e) => ({
        token: e.token,
        logprob: String(e.logprob),
        top_logprobs: Object.fromEntries((e.top_logprobs ?? []).map((t) => [t.token, t.logprob])),
      }));
    } else if (lp && Array.isArray(lp.top_logprobs)) {
      lp.top_logprobs = (lp.top_logprobs as Array<Record<string, number>>).map((m) => Object.entries(m));
    } else {
      c.logprobs = { content: 'unavailable' };
    }
  }
  return JSON.stringify(body);
}

function parseBody(body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Rewrites a successful answer the way the quirks say (see ServerQuirks). */
function applyQuirks(text: string, quirks: ServerQuirks): string {
  let body: { object?: string; choices?: Array<Record<string, unknown>>; usage?: Record<string, number> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return text;
  }
  if (!Array.isArray(body.choices)) return text;
  if (quirks.chatShapeCompletionLogprobs && body.object === 'text_completion') {
    for (const c of body.choices) {
      const lp = c.logprobs as
        | { tokens?: string[]; token_logprobs?: number[]; top_logprobs?: Array<Record<string, number>> }
        | null
        | undefined;
      if (!lp || !Array.isArray(lp.tokens)) continue;
      c.logprobs = {
        content: lp.tokens.map((token, i) => ({
          id: i,
          token,
          logprob: lp.token_logprobs?.[i] ?? 0,
          bytes: [...Buffer.from(token)],
          top_logprobs: Object.entries(lp.top_logprobs?.[i] ?? {}).map(([t, l]) => ({
            id: 0,
            token: t,
            logprob: l,
            bytes: [...Buffer.from(t)],
          })),
        })),
      };
    }
  }
  if (quirks.firstChoiceUsage && body.usage && body.choices.length > 1) {
    const share = Math.ceil((body.usage.completion_tokens ?? 0) / body.choices.length);
    body.usage.completion_tokens = share;
    body.usage.total_tokens = (body.usage.prompt_tokens ?? 0) + share;
  }
  return JSON.stringify(body);
}
