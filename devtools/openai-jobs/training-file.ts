/** Checks a fine-tuning training file line by line, in the method's format, as OpenAI's job does before training. */
import type { Json } from './common';

/** Problems of one DPO training line, as a message, or undefined when it is well formed. */
function dpoLineProblem(x: unknown): string | undefined {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return 'expected a JSON object';
  const o = x as Json;
  const input = o.input as Json | undefined;
  if (!input || typeof input !== 'object') return "missing 'input'";
  const msgs = input.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) return "'input.messages' must be a non-empty array";
  for (const [i, m] of msgs.entries()) {
    const mm = m as Json | null;
    if (
      !mm ||
      typeof mm.role !== 'string' ||
      !['system', 'developer', 'user', 'assistant', 'tool'].includes(mm.role)
    )
      return `'input.messages[${i}].role' is invalid`;
    if (typeof mm.content !== 'string' && !Array.isArray(mm.content))
      return `'input.messages[${i}].content' must be a string`;
  }
  for (const key of ['preferred_output', 'non_preferred_output']) {
    const out = o[key];
    if (out === undefined) return `missing '${key}'`;
    if (!Array.isArray(out) || out.length !== 1) return `'${key}' must be an array of exactly one message`;
    const m = out[0] as Json | null;
    if (!m || m.role !== 'assistant') return `'${key}[0].role' must be 'assistant'`;
    if (typeof m.content !== 'string' || m.content === '')
      return `'${key}[0].content' must be a non-empty string`;
  }
  return undefined;
}

/** Problems of one supervised training line, or undefined. */
function supervisedLineProblem(x: unknown): string | undefined {
  const msgs = (x as Json | null)?.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) return "'messages' must be a non-empty array";
  if (!msgs.some((m) => (m as Json | null)?.role === 'assistant'))
    return "no 'assistant' message to train on";
  return undefined;
}

/**
 * Validates a training file: every line JSON in the method's format, and enough examples.
 * Returns the first problem, or the example count and a word count standing in for tokens.
 */
export function validateTrainingFile(
  data: Buffer,
  method: 'dpo' | 'supervised',
): { ok: true; examples: number; tokens: number } | { ok: false; message: string } {
  const lines = data.toString('utf8').split('\n');
  let examples = 0;
  let tokens = 0;
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    let x: unknown;
    try {
      x = JSON.parse(raw);
    } catch {
      return { ok: false, message: `Invalid file format. Line ${i + 1} is not valid JSON.` };
    }
    const problem = method === 'dpo' ? dpoLineProblem(x) : supervisedLineProblem(x);
    if (problem)
      return {
        ok: false,
        message: `Invalid file format. Line ${i + 1}, example ${examples + 1}: ${problem}.`,
      };
    examples++;
    tokens += raw.split(/[\s"{}[\],:]+/).filter(Boolean).length;
  }
  if (examples < 1) return { ok: false, message: 'Invalid file format. The training file has no examples.' };
  return { ok: true, examples, tokens };
}
