/**
 * Judging through a provider's Batch API job without a second judge implementation. The LLM
 * judge runs twice against stand-in clients: first a recording client that captures the exact
 * request bodies it would send (answering each with a well-formed placeholder so the judge asks
 * nothing more), then, once the job is done, a replaying client that answers each request from
 * the job's output and sends only the requests the job failed or expired to the real endpoint.
 * The replay runs through the judgment ledger like any synchronous judging, so parsing, soft
 * labels, debiasing and dead letters are exactly the synchronous ones.
 */
import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import type { EndpointConfig } from '../providers/endpoint';
import { EndpointGovernor } from '../providers/governor';
import type { BatchItemResult } from '../providers/batch-api';
import { judgeEachPair, type PairInput } from './judge-pairs';
import { OpenAIPairwiseJudge, type LLMJudgeOptionsInput } from './llm-judge';

/** The custom_id of a request: a hash of its exact body, so replay finds its answer. */
export function requestId(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 40);
}

/** A placeholder answer: "1" with both answer tokens in top_logprobs, so the judge stops there. */
function placeholder(body: { model?: string }): unknown {
  const top = [
    { token: '1', logprob: Math.log(0.5), bytes: [49] },
    { token: '2', logprob: Math.log(0.5), bytes: [50] },
  ];
  return {
    id: 'recorded',
    object: 'chat.completion',
    created: 0,
    model: body.model ?? 'recorded',
    choices: [
      {
        index: 0,
        finish_reason: 'stop',
        message: { role: 'assistant', content: '1', refusal: null },
        logprobs: {
          content: [{ token: '1', logprob: Math.log(0.5), bytes: [49], top_logprobs: top }],
          refusal: null,
        },
      },
    ],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

/** A governor that lets everything through at once (recording sends nothing anywhere). */
function openGovernor(endpoint: EndpointConfig): EndpointGovernor {
  return new EndpointGovernor(
    { baseURL: endpoint.baseURL, model: endpoint.model },
    { maxConcurrency: 1_000_000 },
  );
}

/**
 * The chat requests the judge would send for these pairs (both orders when it swaps), each
 * once, keyed by their custom_id.
 */
export async function recordJudgeRequests(
  endpoint: EndpointConfig,
  options: LLMJudgeOptionsInput,
  pairs: readonly PairInput[],
  seed: number,
): Promise<Array<{ customId: string; body: object }>> {
  if (endpoint.style === 'completions') throw new Error('Batch API judging needs a chat-style endpoint');
  const requests = new Map<string, object>();
  const recorder = {
    chat: {
      completions: {
        create: async (body: object) => {
          requests.set(requestId(body), body);
          return placeholder(body as { model?: string });
        },
      },
    },
  } as unknown as OpenAI;
  const judge = new OpenAIPairwiseJudge(endpoint, options, {
    client: recorder,
    governor: openGovernor(endpoint),
  });
  await judgeEachPair(judge, pairs, { seed });
  return [...requests].map(([customId, body]) => ({ customId, body }));
}

/**
 * A client that answers chat requests from a finished Batch API job, and passes every other
 * request (those the job did not answer) to `real`.
 */
export function replayingClient(results: ReadonlyMap<string, BatchItemResult>, real: OpenAI): OpenAI {
  let replayed = 0;
  const client = {
    chat: {
      completions: {
        create: async (body: object, opts?: object) => {
          const hit = results.get(requestId(body));
          if (hit && hit.ok) {
            replayed++;
            return hit.body;
          }
          return real.chat.completions.create(body as never, opts as never);
        },
      },
    },
    completions: real.completions,
    get replayed() {
      return replayed;
    },
  };
  return client as unknown as OpenAI;
}
