/**
 * A stand-in for the OpenAI SDK client for unit tests that need no server: each request body is
 * recorded and answered by a handler, which may also throw SDK-shaped errors.
 */
import type OpenAI from 'openai';

/** One choice of a fake answer; tokens carry [token, logprob] alternatives. */
export interface FakeChoice {
  text: string;
  tokens?: Array<{ token: string; logprob: number; top?: Array<[string, number]> }>;
  finish?: string;
  refusal?: string;
}

/** A request the fake received. */
export interface FakeCall {
  style: 'chat' | 'completions';
  body: Record<string, unknown>;
  /** The user message (chat) or the prompt (completions). */
  text: string;
}

/** A chat completion body with the given choices. */
export function chatBody(
  choices: FakeChoice[],
  usage = { prompt_tokens: 10, completion_tokens: 2 },
): unknown {
  return {
    id: 'x',
    object: 'chat.completion',
    created: 0,
    model: 'fake',
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    choices: choices.map((c, index) => ({
      index,
      finish_reason: c.finish ?? 'stop',
      message: { role: 'assistant', content: c.text, refusal: c.refusal ?? null },
      logprobs: c.tokens
        ? {
            content: c.tokens.map((t) => ({
              token: t.token,
              logprob: t.logprob,
              bytes: null,
              top_logprobs: (t.top ?? []).map(([token, logprob]) => ({ token, logprob, bytes: null })),
            })),
          }
        : null,
    })),
  };
}

/** A completions body with the given choices. */
export function completionsBody(
  choices: FakeChoice[],
  usage = { prompt_tokens: 10, completion_tokens: 2 },
): unknown {
  return {
    id: 'x',
    object: 'text_completion',
    created: 0,
    model: 'fake',
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    choices: choices.map((c, index) => ({
      index,
      text: c.text,
      finish_reason: c.finish ?? 'stop',
      logprobs: c.tokens
        ? {
            tokens: c.tokens.map((t) => t.token),
            token_logprobs: c.tokens.map((t) => t.logprob),
            top_logprobs: c.tokens.map((t) => Object.fromEntries(t.top ?? [])),
          }
        : null,
    })),
  };
}

/** A fake client whose every request is answered by `handler`. */
export function fakeClient(handler: (call: FakeCall) => unknown): { client: OpenAI; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const answer = async (style: 'chat' | 'completions', body: Record<string, unknown>): Promise<unknown> => {
    const messages = body.messages as Array<{ content: string }> | undefined;
    const call: FakeCall = {
      style,
      body,
      text: style === 'chat' ? (messages?.[0]?.content ?? '') : String(body.prompt),
    };
    calls.push(call);
    await Promise.resolve();
    return handler(call);
  };
  const client = {
    chat: { completions: { create: (body: Record<string, unknown>) => answer('chat', body) } },
    completions: { create: (body: Record<string, unknown>) => answer('completions', body) },
  } as unknown as OpenAI;
  return { client, calls };
}
