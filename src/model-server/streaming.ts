/**
 * `stream: true`: a finished response re-cut into OpenAI's server-sent-event chunks, one token per
 * chunk. The models here answer in microseconds, so the whole answer is computed first; what a
 * client sees on the wire has the shape and order of OpenAI's streams.
 */

/** A reply sent as server-sent events: each event is one `data:` line, then `data: [DONE]`. */
export class SseReply {
  constructor(readonly events: unknown[]) {}
}

/** What the chat stream is cut from: a chat.completion response whose choices carry logprobs entries. */
interface ChatResponse {
  id: string;
  created: number;
  model: string;
  system_fingerprint: string;
  service_tier: string;
  usage: unknown;
  choices: Array<{
    index: number;
    finish_reason: string;
    logprobs: { content: Array<{ token: string }> } | null;
  }>;
}

/**
 * Chat chunks: per choice a role chunk, one chunk per token (content delta and its logprobs
 * entry; an `<eos>` entry travels with an empty delta), a finish chunk; then, with
 * `stream_options.include_usage`, a usage chunk with no choices.
 */
export function chatChunks(r: ChatResponse, tokens: string[][], includeUsage: boolean): SseReply {
  const head = {
    id: r.id,
    object: 'chat.completion.chunk',
    created: r.created,
    model: r.model,
    system_fingerprint: r.system_fingerprint,
    service_tier: r.service_tier,
  };
  const chunk = (choice: unknown) => ({
    ...head,
    choices: [choice],
    ...(includeUsage ? { usage: null } : {}),
  });
  const events: unknown[] = [];
  r.choices.forEach((c, ci) => {
    events.push(
      chunk({
        index: c.index,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      }),
    );
    (tokens[ci] ?? []).forEach((token, ti) => {
      const entry = c.logprobs?.content[ti];
      events.push(
        chunk({
          index: c.index,
          delta: { content: token === '<eos>' ? '' : token },
          logprobs: entry ? { content: [entry], refusal: null } : null,
          finish_reason: null,
        }),
      );
    });
    events.push(chunk({ index: c.index, delta: {}, logprobs: null, finish_reason: c.finish_reason }));
  });
  if (includeUsage) events.push({ ...head, choices: [], usage: r.usage });
  return new SseReply(events);
}

/** Legacy completion chunks: one per token per choice with its text and legacy logprobs, then a finish chunk. */
export function completionChunks(
  r: { id: string; created: number; model: string; system_fingerprint: string; usage: unknown },
  choices: Array<{
    index: number;
    finish_reason: string;
    tokens: string[];
    logprobs: {
      tokens: string[];
      token_logprobs: number[];
      top_logprobs: unknown[];
      text_offset: number[];
    } | null;
  }>,
  includeUsage: boolean,
): SseReply {
  const head = {
    id: r.id,
    object: 'text_completion',
    created: r.created,
    model: r.model,
    system_fingerprint: r.system_fingerprint,
  };
  const events: unknown[] = [];
  for (const c of choices) {
    c.tokens.forEach((token, ti) => {
      const lp = c.logprobs;
      events.push({
        ...head,
        choices: [
          {
            index: c.index,
            text: token === '<eos>' ? '' : token,
            logprobs: lp
              ? {
                  tokens: [lp.tokens[ti]],
                  token_logprobs: [lp.token_logprobs[ti]],
                  top_logprobs: [lp.top_logprobs[ti]],
                  text_offset: [lp.text_offset[ti]],
                }
              : null,
            finish_reason: null,
          },
        ],
      });
    });
    events.push({
      ...head,
      choices: [{ index: c.index, text: '', logprobs: null, finish_reason: c.finish_reason }],
    });
  }
  if (includeUsage) events.push({ ...head, choices: [], usage: r.usage });
  return new SseReply(events);
}
