/**
 * Policy sampling through an OpenAI-compatible endpoint: k responses per prompt, either as `n`
 * completions of one request or as k parallel single requests (endpoints that ignore n). Every
 * request goes through the endpoint's governor.
 */
import type OpenAI from 'openai';
import type { PromptRow, ResponseRow } from '../stages/types';
import { seedFrom } from '../util/rng';
import { createClient, type EndpointConfig } from './endpoint';
import { governorFor, type EndpointGovernor } from './governor';
import { sampleChoices, type NormalizedChoice } from './openai-call';
import { addUsage, ZERO_USAGE, type TokenUsage } from './usage';

/** Options of one generate call. */
export interface GenerateOptions {
  /** Responses per prompt. */
  samplesPerPrompt: number;
  /** Base seed; each prompt's requests get seeds derived from it and the prompt id. */
  seed: number;
  /** Aborts every pending request (activity cancellation). */
  signal?: AbortSignal;
  /** Called as prompts finish (for activity heartbeats). */
  onProgress?: (done: number, total: number) => void;
}

/** Rows in prompt order then sample order, and what they cost. */
export interface GenerateResult {
  rows: ResponseRow[];
  usage: TokenUsage;
}

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
    const perPrompt = await Promise.all(
      prompts.map(async (p) => {
        const r = await this.samplesFor(p, k, opts);
        opts.onProgress?.(++done, prompts.length);
        return r;
      }),
    );
    return {
      rows: perPrompt.flatMap((r) => r.rows),
      usage: addUsage(ZERO_USAGE, ...perPrompt.map((r) => r.usage)),
    };
  }

  private async samplesFor(p: PromptRow, k: number, opts: GenerateOptions): Promise<GenerateResult> {
    const r = await sampleChoices(this.client, this.config, this.governor, {
      text: p.prompt,
      n: k,
      seed: promptSeed(opts.seed, p.id),
      logprobs: this.config.requestLogprobs ?? true,
      signal: opts.signal,
    });
    const rows: ResponseRow[] = r.choices.map((c, sample) => ({
      id: `${p.id}#${sample}`,
      promptId: p.id,
      prompt: p.prompt,
      sample,
      response: c.text.trim(),
      ...sequenceLogprob(c),
    }));
    return { rows, usage: r.usage };
  }
}
