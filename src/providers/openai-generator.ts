/**
 * Policy sampling through an OpenAI-compatible endpoint: k responses per prompt, either as `n`
 * completions of one request or as k parallel single requests (endpoints that ignore or refuse
 * n). Every request goes through the endpoint's governor. A sample the server keeps failing on
 * (HTTP 5xx for that request) is asked again with other seeds a bounded number of times, then
 * left out and reported, so one sample cannot fail a whole run.
 */
import type OpenAI from 'openai';
import type { PromptRow, ResponseRow } from '../stages/types';
import { seedFrom } from '../util/rng';
import { createClient, type EndpointConfig } from './endpoint';
import { governorFor, type EndpointGovernor } from './governor';
import {
  callEndpoint,
  isRequestSpecific,
  LOGPROB_ATTEMPTS,
  sampleChoices,
  type NormalizedChoice,
} from './openai-call';
import { addUsage, ZERO_USAGE, type TokenUsage } from './usage';

/** Options of one generate call. */
export interface GenerateOptions {
  /** Responses per prompt. */
  samplesPerPrompt: number;
  /** Base seed; each prompt's requests get seeds derived from it and the prompt id. */
  seed: number;
  /** Aborts every pending request (activity cancellation). */
  signal?: AbortSignal;
  /** Sampling settings of the stage; each overrides the endpoint's own when given. */
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /**
   * Called as prompts finish, and every `progressEveryMs` while requests are in flight (for
   * activity heartbeats: one prompt of a slow server can take longer than a heartbeat timeout).
   */
  onProgress?: (done: number, total: number) => void;
  /** Default 2000 ms. */
  progressEveryMs?: number;
  /** Seeds tried per sample the server fails on, the original included (default 4). */
  seedsPerSample?: number;
}

/** A sample the endpoint failed on with every seed tried. */
export interface FailedSample {
  /** The row id the sample would have had (`<prompt id>#<sample>`). */
  id: string;
  reason: 'server-error';
  /** The endpoint's last error message. */
  raw: string;
}

/** Rows in prompt order then sample order, the samples left out, and what they cost. */
export interface GenerateResult {
  rows: ResponseRow[];
  failed: FailedSample[];
  usage: TokenUsage;
}

/**
 * Identical attempts of one sample's request before its seed is changed, once the prompt's
 * request has failed all of the governor's attempts: enough for an answer that lost its logprobs
 * to be asked again (see callEndpoint).
 */
const ATTEMPTS_PER_SEED = LOGPROB_ATTEMPTS;
/** Seeds of one sample's retries are this far apart, clear of the seed + index of its siblings. */
const RESEED_STRIDE = 1_000_003;

/** Dependencies, injectable for tests. */
export interface GeneratorDeps {
  client?: OpenAI;
  governor?: EndpointGovernor;
}

/** The sum of the chosen tokens' logprobs, when the endpoint returned them. */
function sequenceLogprob(c: NormalizedChoice): { logprob: number; logprobSource: 'endpoint' | 'unknown' } {
  if (!c.tokens || c.tokens.some((t) => !Number.isFinite(t.logprob)))
    return { logprob: 0, logprobSource: 'unknown' };
  return { logprob: c.tokens.reduce((a, t) => a + t.logprob, 0), logprobSource: 'endpoint' };
}

/** A per-prompt seed in the positive int32 range, so any server accepts it. */
function promptSeed(seed: number, promptId: string): number {
  return seedFrom(seed, promptId) & 0x7fffffff;
}

/** Generates responses with an OpenAI-compatible endpoint. */
export class OpenAIGenerator {
  readonly name: string;
  private readonly client: OpenAI;
  private readonly governor: EndpointGovernor;

  constructor(
    readonly config: EndpointConfig,
    deps: GeneratorDeps = {},
  ) {
    this.client = deps.client ?? createClient(config);
    this.governor = deps.governor ?? governorFor(config);
    this.name = `openai:${config.model}@${config.baseURL}`;
  }

  /**
   * `samplesPerPrompt` responses for every prompt. Seeds: a prompt's requests use
   * seedFrom(seed, promptId) (+ sample index when samples are sent as separate requests), so a
   * retried or resumed batch asks for exactly the same samples. When an endpoint returns fewer
   * choices than asked (it ignored n), the missing samples are requested one by one.
   * `logprob` is the endpoint's sum of token logprobs (`logprobSource: 'endpoint'`), or 0 with
   * `logprobSource: 'unknown'` when it returned none.
   */
  async generate(prompts: PromptRow[], opts: GenerateOptions): Promise<GenerateResult> {
    const k = opts.samplesPerPrompt;
    if (!Number.isInteger(k) || k < 1)
      throw new Error(`generate: samplesPerPrompt must be a positive integer, got ${k}`);
    let done = 0;
    const timer = setInterval(() => opts.onProgress?.(done, prompts.length), opts.progressEveryMs ?? 2000);
    try {
      const perPrompt = await Promise.all(
        prompts.map(async (p) => {
          const r = await this.samplesFor(p, k, opts);
          opts.onProgress?.(++done, prompts.length);
          return r;
        }),
      );
      const rows = perPrompt.flatMap((r) => r.rows);
      const failed = perPrompt.flatMap((r) => r.failed);
      // Every sample failed: that is the endpoint, not the samples (a server answering 500 to
      // everything); the activity's retry policy handles it.
      if (rows.length === 0 && failed.length > 0) throw perPrompt.find((r) => r.error)?.error;
      return { rows, failed, usage: addUsage(ZERO_USAGE, ...perPrompt.map((r) => r.usage)) };
    } finally {
      clearInterval(timer);
    }
  }

  private request(p: PromptRow, n: number, seed: number, opts: GenerateOptions) {
    return {
      text: p.prompt,
      n,
      seed,
      ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
      ...(opts.topP !== undefined ? { topP: opts.topP } : {}),
      ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
      logprobs: this.config.requestLogprobs ?? true,
      signal: opts.signal,
    };
  }

  private row(p: PromptRow, sample: number, c: NormalizedChoice): ResponseRow {
    return {
      id: `${p.id}#${sample}`,
      promptId: p.id,
      prompt: p.prompt,
      sample,
      response: c.text.trim(),
      ...sequenceLogprob(c),
    };
  }

  private async samplesFor(
    p: PromptRow,
    k: number,
    opts: GenerateOptions,
  ): Promise<GenerateResult & { error?: unknown }> {
    const seed = promptSeed(opts.seed, p.id);
    try {
      const r = await sampleChoices(this.client, this.config, this.governor, this.request(p, k, seed, opts));
      return { rows: r.choices.map((c, sample) => this.row(p, sample, c)), failed: [], usage: r.usage };
    } catch (err) {
      if (!isRequestSpecific(err)) throw err;
    }
    // The server failed on this prompt's request: each sample on its own, each with other seeds
    // (deterministic ones, so a retried batch asks for the same samples again).
    const seeds = Math.max(1, opts.seedsPerSample ?? 4);
    const outcomes = await Promise.all(
      Array.from({ length: k }, async (_, sample) => {
        let usage = { ...ZERO_USAGE };
        let last: unknown;
        for (let r = 0; r < seeds; r++) {
          const s = (seed + sample + r * RESEED_STRIDE) & 0x7fffffff;
          try {
            const res = await callEndpoint(this.client, this.config, this.governor, {
              ...this.request(p, 1, s, opts),
              attempts: ATTEMPTS_PER_SEED,
            });
            usage = addUsage(usage, res.usage);
            const c = res.choices[0];
            if (c) return { row: this.row(p, sample, c), usage };
          } catch (err) {
            if (!isRequestSpecific(err)) throw err;
            last = err;
          }
        }
        const raw = last instanceof Error ? last.message : String(last);
        return {
          failed: { id: `${p.id}#${sample}`, reason: 'server-error' as const, raw },
          usage,
          error: last,
        };
      }),
    );
    return {
      rows: outcomes.flatMap((o) => (o.row ? [o.row] : [])),
      failed: outcomes.flatMap((o) => (o.failed ? [o.failed] : [])),
      usage: addUsage(ZERO_USAGE, ...outcomes.map((o) => o.usage)),
      error: outcomes.find((o) => o.error)?.error,
    };
  }
}
