/**
 * One governed request to an OpenAI-compatible endpoint, chat or completions style, with the
 * answer normalized to the same shape (text, finish reason, refusal, per-token logprobs), so that
 * the generator and the judges do not care which style the endpoint speaks.
 */
import type OpenAI from 'openai';
import type { EndpointConfig } from './endpoint';
import type { EndpointGovernor } from './governor';
import { TransientEndpointError, describeEndpoint, isEndpointError } from './http-errors';
import { usageOf, type TokenUsage } from './usage';

/** One alternative token at a position, with its log-probability. */
export interface TopToken {
  token: string;
  logprob: number;
}

/** One generated token with its log-probability and the most likely alternatives. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top: TopToken[];
}

/** One returned completion, normalized across chat and completions styles. */
export interface NormalizedChoice {
  text: string;
  /** 'stop', 'length', 'content_filter', … or null when the server does not say. */
  finishReason: string | null;
  /** A chat model's refusal message, when it refused. */
  refusal: string | null;
  /** Per-token logprobs when the endpoint returned them, else undefined. */
  tokens?: TokenLogprob[];
}

/** What to ask for in one request. */
export interface CallRequest {
  /** The user message (chat) or the raw prompt (completions). */
  text: string;
  n: number;
  seed?: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Attempts of this exact request for transient errors (default: the governor's). */
  attempts?: number;
  /** Ask for token logprobs; `topLogprobs` alternatives per position (0 = chosen tokens only). */
  logprobs: boolean;
  topLogprobs?: number;
  signal?: AbortSignal;
}

/** The normalized answer of one request. */
export interface CallResult {
  choices: NormalizedChoice[];
  usage: TokenUsage;
}

/** A rough token estimate for budgets: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The usage with at least as many completion tokens as the choices hold. Some servers report
 * only the first choice's tokens when n > 1 (llama.cpp's llama-server) or no usage at all, and
 * token and cost budgets must not under-count. A choice holds its logprob entries when they were
 * returned, else about a token per four characters of its text. A single choice's reported count
 * is trusted when there is one.
 */
export function countChoices(usage: TokenUsage, choices: readonly NormalizedChoice[]): TokenUsage {
  if (choices.length < 2 && usage.completionTokens > 0) return usage;
  const held = choices.reduce((a, c) => a + (c.tokens?.length ?? estimateTokens(c.text)), 0);
  return held > usage.completionTokens ? { ...usage, completionTokens: held } : usage;
}

function malformed(cfg: EndpointConfig, what: string): TransientEndpointError {
  return new TransientEndpointError(
    `${describeEndpoint(cfg)} returned a malformed response: ${what}`,
    describeEndpoint(cfg),
  );
}

/** Sends one request through the governor and normalizes the answer. */
export async function callEndpoint(
  client: OpenAI,
  cfg: EndpointConfig,
  governor: EndpointGovernor,
  req: CallRequest,
): Promise<CallResult> {
  const maxTokens = req.maxTokens ?? cfg.maxTokens;
  const estimate = estimateTokens(req.text) + req.n * (maxTokens ?? 256);
  const common: Record<string, unknown> = {
    model: cfg.model,
    n: req.n,
    ...(req.seed !== undefined ? { seed: req.seed } : {}),
    ...((req.temperature ?? cfg.temperature) !== undefined
      ? { temperature: req.temperature ?? cfg.temperature }
      : {}),
    ...((req.topP ?? cfg.topP) !== undefined ? { top_p: req.topP ?? cfg.topP } : {}),
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    ...(cfg.stop ? { stop: cfg.stop } : {}),
    ...(cfg.extraBody ?? {}),
  };
  const requestOpts = { signal: req.signal, timeout: cfg.timeoutMs };

  const attemptOnce = async (signal: AbortSignal | undefined): Promise<CallResult> => {
    const opts = { ...requestOpts, signal };
    if (cfg.style === 'completions') {
      const body = {
        ...common,
        prompt: req.text,
        stream: false,
        ...(req.logprobs ? { logprobs: Math.max(1, req.topLogprobs ?? 0) } : {}),
      } as unknown as OpenAI.Completions.CompletionCreateParamsNonStreaming;
      const res = (await client.completions.create(
        body,
        opts,
      )) as unknown as Partial<OpenAI.Completions.Completion>;
      if (!res || !Array.isArray(res.choices)) throw malformed(cfg, 'no choices array');
      const choices = res.choices.map((c) => normalizeCompletionChoice(c));
      return { choices, usage: countChoices(usageOf(res), choices) };
    }
    const body = {
      ...common,
      messages: [{ role: 'user', content: req.text }],
      stream: false,
      ...(req.logprobs
        ? { logprobs: true, ...(req.topLogprobs ? { top_logprobs: Math.min(20, req.topLogprobs) } : {}) }
        : {}),
    } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
    const res = (await client.chat.completions.create(
      body,
      opts,
    )) as unknown as Partial<OpenAI.Chat.ChatCompletion>;
    if (!res || !Array.isArray(res.choices)) throw malformed(cfg, 'no choices array');
    const choices = res.choices.map((c, i) => {
      if (!c || typeof c !== 'object' || !c.message) throw malformed(cfg, `choice ${i} has no message`);
      return normalizeChatChoice(c);
    });
    return { choices, usage: countChoices(usageOf(res), choices) };
  };

  let logprobMisses = 0;
  return governor.run(
    estimate,
    async ({ signal }) => {
      const result = await attemptOnce(signal);
      // Logprobs asked for but missing or malformed: a proxy or a loaded server dropped them
      // once, so ask again (soft labels and KL figures depend on them). An endpoint that keeps
      // answering without them is taken at its word: after one request that never got them, this
      // process falls back at once for that endpoint (parsed answers, unknown logprobs).
      const lacking = result.choices.some((c) => c.tokens === undefined && c.text.length > 0);
      if (req.logprobs && lacking && !noLogprobs.has(governor)) {
        if (++logprobMisses < LOGPROB_ATTEMPTS)
          throw malformed(cfg, 'logprobs were asked for but are missing or not in the documented shape');
        noLogprobs.add(governor);
      }
      return result;
    },
    req.signal,
    (r) => r.usage.promptTokens + r.usage.completionTokens || estimate,
    req.attempts,
  );
}

/**
 * Whether an error may be particular to this one request (its text, seed or temperature) rather
 * than to the endpoint: an HTTP 5xx answer. llama.cpp's llama-server answers 500 when a sampled
 * output does not fit the expected format, and sending the same request again fails the same
 * way; another seed or temperature may not. Connection failures, timeouts and 429s concern the
 * endpoint as a whole and are not.
 */
export function isRequestSpecific(err: unknown): boolean {
  if (!isEndpointError(err) || !err.retryable || err.name === 'RateLimitedError') return false;
  return typeof err.status === 'number' && err.status >= 500;
}

/** Attempts of one request whose answer lacks the logprobs it asked for, before falling back. */
export const LOGPROB_ATTEMPTS = 3;
/** Endpoints (by governor) that answered without logprobs on every attempt of a request. */
const noLogprobs = new WeakSet<EndpointGovernor>();

const isLogprob = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Chat logprobs in the documented shape, else undefined: a foreign shape (strings for numbers,
 * maps for lists) is treated as "no logprobs" rather than as an error, so that a judge falls back
 * to parsing the answer instead of retrying a server that will always answer the same way.
 */
function chatTokens(content: unknown): TokenLogprob[] | undefined {
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const out: TokenLogprob[] = [];
  for (const t of content as Array<Record<string, unknown>>) {
    if (!t || typeof t.token !== 'string' || !isLogprob(t.logprob)) return undefined;
    const top = t.top_logprobs ?? [];
    if (!Array.isArray(top)) return undefined;
    const alts: TopToken[] = [];
    for (const x of top as Array<Record<string, unknown>>) {
      if (!x || typeof x.token !== 'string' || !isLogprob(x.logprob)) return undefined;
      alts.push({ token: x.token, logprob: x.logprob });
    }
    out.push({ token: t.token, logprob: t.logprob, top: alts });
  }
  return out;
}

function normalizeChatChoice(c: OpenAI.Chat.ChatCompletion.Choice): NormalizedChoice {
  return {
    text: typeof c.message.content === 'string' ? c.message.content : '',
    finishReason: c.finish_reason ?? null,
    refusal: (c.message as { refusal?: string | null }).refusal ?? null,
    tokens: logprobTokens(c.logprobs),
  };
}

/**
 * Token logprobs in either shape a server may use, whatever the request's style: the chat shape
 * `{content: [{token, logprob, top_logprobs}]}` (OpenAI chat; llama.cpp's llama-server answers
 * completions requests with it too) or the legacy completions shape `{tokens, token_logprobs,
 * top_logprobs}`. Undefined when neither fits.
 */
export function logprobTokens(lp: unknown): TokenLogprob[] | undefined {
  if (!lp || typeof lp !== 'object') return undefined;
  const content = (lp as { content?: unknown }).content;
  if (content !== undefined && content !== null) return chatTokens(content);
  return completionTokens(lp);
}

/** Legacy completions logprobs in the documented shape, else undefined (see chatTokens). */
function completionTokens(lp: unknown): TokenLogprob[] | undefined {
  if (!lp || typeof lp !== 'object') return undefined;
  const { tokens, token_logprobs: lps, top_logprobs: tops } = lp as Record<string, unknown>;
  if (!Array.isArray(tokens) || !Array.isArray(lps) || tokens.length === 0 || lps.length !== tokens.length)
    return undefined;
  const out: TokenLogprob[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token: unknown = tokens[i];
    const logprob: unknown = lps[i];
    if (typeof token !== 'string' || !isLogprob(logprob)) return undefined;
    const m: unknown = Array.isArray(tops) ? tops[i] : undefined;
    const alts: TopToken[] = [];
    if (m !== undefined && m !== null) {
      if (typeof m !== 'object' || Array.isArray(m)) return undefined;
      for (const [k, v] of Object.entries(m)) {
        if (!isLogprob(v)) return undefined;
        alts.push({ token: k, logprob: v });
      }
    }
    out.push({ token, logprob, top: alts });
  }
  return out;
}

function normalizeCompletionChoice(c: OpenAI.Completions.CompletionChoice): NormalizedChoice {
  return {
    text: typeof c.text === 'string' ? c.text : '',
    finishReason: c.finish_reason ?? null,
    refusal: null,
    tokens: logprobTokens(c.logprobs),
  };
}

/**
 * Endpoints (by governor) that answered HTTP 400 to a request for several choices and accepted the
 * same request for one: their later requests ask for one choice each, in parallel. Learned per
 * worker process, like the governor itself.
 */
const singleChoiceOnly = new WeakSet<EndpointGovernor>();

/** Whether an endpoint has been found to refuse `n` > 1 (see sampleChoices). */
export function refusesSeveralChoices(governor: EndpointGovernor): boolean {
  return singleChoiceOnly.has(governor);
}

function sumUsage(usages: TokenUsage[]): TokenUsage {
  return usages.reduce(
    (a, u) => ({
      promptTokens: a.promptTokens + u.promptTokens,
      completionTokens: a.completionTokens + u.completionTokens,
      requests: a.requests + u.requests,
    }),
    { promptTokens: 0, completionTokens: 0, requests: 0 },
  );
}

/**
 * `req.n` choices for one text: in one request, in requests of at most `cfg.n`, or one request
 * per choice when `cfg.parallelSamples` is set (request j gets seed + j·size). An endpoint that
 * returns fewer choices than asked (it ignored n) is asked again, one choice per request. One that
 * rejects n > 1 with HTTP 400 (llama-server: n above its slots) is asked in parallel single
 * requests instead, and is remembered as such once a single request has succeeded, so the 400
 * was about n and not about something else in the request.
 */
export async function sampleChoices(
  client: OpenAI,
  cfg: EndpointConfig,
  governor: EndpointGovernor,
  req: CallRequest,
): Promise<CallResult> {
  const k = req.n;
  const single = cfg.parallelSamples || singleChoiceOnly.has(governor);
  const size = single ? 1 : Math.max(1, Math.min(k, cfg.n ?? k));
  try {
    return await sampleInRequestsOf(size, client, cfg, governor, req);
  } catch (err) {
    const nRejected =
      size > 1 && isEndpointError(err) && !err.retryable && err.status === 400 && !req.signal?.aborted;
    if (!nRejected) throw err;
    const result = await sampleInRequestsOf(1, client, cfg, governor, req);
    singleChoiceOnly.add(governor);
    return result;
  }
}

async function sampleInRequestsOf(
  size: number,
  client: OpenAI,
  cfg: EndpointConfig,
  governor: EndpointGovernor,
  req: CallRequest,
): Promise<CallResult> {
  const k = req.n;
  const starts: number[] = [];
  for (let s = 0; s < k; s += size) starts.push(s);
  const results = await Promise.all(
    starts.map((s) =>
      callEndpoint(client, cfg, governor, {
        ...req,
        n: Math.min(size, k - s),
        seed: req.seed === undefined ? undefined : req.seed + s,
      }),
    ),
  );
  const choices = results.flatMap((r) => r.choices);
  const usages = results.map((r) => r.usage);
  for (let s = choices.length; s < k; s++) {
    const r = await callEndpoint(client, cfg, governor, {
      ...req,
      n: 1,
      seed: req.seed === undefined ? undefined : req.seed + s,
    });
    usages.push(r.usage);
    if (r.choices.length === 0) throw malformed(cfg, 'a request for one choice returned none');
    choices.push(r.choices[0] as NormalizedChoice);
  }
  return { choices: choices.slice(0, k), usage: sumUsage(usages) };
}
