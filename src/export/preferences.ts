/**
 * Exports of judged preference pairs for training elsewhere: TRL's preference JSONL and OpenAI's
 * DPO fine-tuning JSONL. Both formats hold oriented pairs (one preferred side), so the soft label
 * p(a ≻ b) decides the orientation and exact ties (p = 0.5) are left out; the TRL export can keep
 * the label's strength in a `score` or `margin` column, OpenAI's format has no place for it.
 */
import {
  conversationalPrompt,
  orientPreference,
  trlPreferences,
  type ChatMessage,
  type PreferenceDataOptions,
} from '../policy/trainer-data';
import type { PreferenceRow } from '../stages/types';

/** Lines of a JSONL export (no trailing newlines) and how many rows were ties and left out. */
export interface JsonlExport {
  lines: string[];
  skippedTies: number;
}

/** One example of OpenAI's DPO fine-tuning format. */
export interface OpenAIDpoExample {
  input: { messages: ChatMessage[] };
  preferred_output: [{ role: 'assistant'; content: string }];
  non_preferred_output: [{ role: 'assistant'; content: string }];
}

/** Judged pairs as TRL preference JSONL lines: `{"prompt","chosen","rejected"}` by default. */
export function preferencesToTrlJsonl(
  rows: readonly PreferenceRow[],
  opts: PreferenceDataOptions = {},
): JsonlExport {
  const { records, skippedTies } = trlPreferences(rows, opts);
  return { lines: records.map((r) => JSON.stringify(r)), skippedTies };
}

/** One judged pair in OpenAI's DPO format, or undefined for a tie. */
export function toOpenAIDpoExample(
  row: PreferenceRow,
  opts: { systemPrompt?: string } = {},
): OpenAIDpoExample | undefined {
  const pref = orientPreference(row);
  if (!pref) return undefined;
  return {
    input: { messages: conversationalPrompt(pref.prompt, opts.systemPrompt) },
    preferred_output: [{ role: 'assistant', content: pref.chosen }],
    non_preferred_output: [{ role: 'assistant', content: pref.rejected }],
  };
}

/** Judged pairs as OpenAI DPO fine-tuning JSONL lines, ties left out. */
export function preferencesToOpenAIDpoJsonl(
  rows: readonly PreferenceRow[],
  opts: { systemPrompt?: string } = {},
): JsonlExport {
  const lines: string[] = [];
  let skippedTies = 0;
  for (const row of rows) {
    const ex = toOpenAIDpoExample(row, opts);
    if (ex) lines.push(JSON.stringify(ex));
    else skippedTies++;
  }
  return { lines, skippedTies };
}
