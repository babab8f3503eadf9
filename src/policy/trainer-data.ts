/**
 * Training data for external trainers, in TRL's documented dataset formats (JSON Lines):
 * preference rows for offline methods (DPO and friends) and prompt-only rows for online ones
 * (PPO, GRPO, RLOO), each in TRL's "standard" (plain strings) or "conversational" (role/content
 * messages) form. The judge's label is soft, p(a ≻ b); TRL's preference rows are oriented, so the
 * side with p > 0.5 becomes `chosen`, exact ties carry no direction and are left out, and the
 * confidence can travel along as an extra column for trainers that use it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidInputError } from './trainer-errors';
import type { PreferenceRow, PromptRow } from '../stages/types';

/** The data formats a trainer spec can name. */
export type TrainerDataFormat = 'trl-standard' | 'trl-conversational' | 'prompts';

/** One chat message, as TRL's conversational datasets (and chat templates) expect it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * Which soft-label column to add to preference rows:
 * - `score`: p(chosen ≻ rejected), in (0.5, 1];
 * - `margin`: its log-odds ln(q / (1 − q)), the reward gap a Bradley–Terry model implies (TRL's
 *   reward trainer reads a `margin` column); q is clipped to [1e-6, 1 − 1e-6] so it stays finite;
 * - `none`: hard labels only.
 */
export type SoftLabelColumn = 'none' | 'score' | 'margin';

/** Options of the preference writers. */
export interface PreferenceDataOptions {
  /** Plain strings (`standard`, the default) or role/content messages (`conversational`). */
  form?: 'standard' | 'conversational';
  /** The soft-label column to add; default `none`. */
  softLabel?: SoftLabelColumn;
  /** A system message put before the user turn of conversational prompts. */
  systemPrompt?: string;
}

/** A preference row in TRL's standard form. */
export interface TrlStandardPreference {
  prompt: string;
  chosen: string;
  rejected: string;
  score?: number;
  margin?: number;
}

/** A preference row in TRL's conversational form (explicit prompt). */
export interface TrlConversationalPreference {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
  score?: number;
  margin?: number;
}

/** A TRL preference row in either form. */
export type TrlPreference = TrlStandardPreference | TrlConversationalPreference;

/** A preference row oriented by the judge: the chosen side, the rejected side and q = p(chosen ≻ rejected). */
export interface OrientedPreference {
  prompt: string;
  chosen: string;
  rejected: string;
  /** p(chosen ≻ rejected), in (0.5, 1]. */
  q: number;
}

const Q_CLIP = 1e-6;

/** The log-odds of a soft label, clipped so a hard label stays finite. */
export function softLabelMargin(q: number): number {
  const c = Math.min(1 - Q_CLIP, Math.max(Q_CLIP, q));
  return Math.log(c / (1 - c));
}

/**
 * Orients one judged pair: `chosen` is the side with p > 0.5. Returns undefined for an exact tie
 * (p = 0.5), which says nothing about which side is better. Throws InvalidInputError when p is not
 * a probability.
 */
export function orientPreference(row: PreferenceRow): OrientedPreference | undefined {
  const { p } = row;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new InvalidInputError(`preference ${row.id}: p must be a probability in [0, 1], got ${String(p)}`);
  }
  if (p === 0.5) return undefined;
  return p > 0.5
    ? { prompt: row.prompt, chosen: row.a, rejected: row.b, q: p }
    : { prompt: row.prompt, chosen: row.b, rejected: row.a, q: 1 - p };
}

/** A conversational prompt: an optional system message, then the user turn. */
export function conversationalPrompt(prompt: string, systemPrompt?: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (systemPrompt !== undefined) messages.push({ role: 'system', content: systemPrompt });
  messages.push({ role: 'user', content: prompt });
  return messages;
}

/** One oriented pair as a TRL preference row in the requested form, with the soft-label column if asked. */
export function toTrlPreference(pref: OrientedPreference, opts: PreferenceDataOptions = {}): TrlPreference {
  const label: { score?: number; margin?: number } = {};
  if (opts.softLabel === 'score') label.score = pref.q;
  if (opts.softLabel === 'margin') label.margin = softLabelMargin(pref.q);
  if (opts.form === 'conversational') {
    return {
      prompt: conversationalPrompt(pref.prompt, opts.systemPrompt),
      chosen: [{ role: 'assistant', content: pref.chosen }],
      rejected: [{ role: 'assistant', content: pref.rejected }],
      ...label,
    };
  }
  return { prompt: pref.prompt, chosen: pref.chosen, rejected: pref.rejected, ...label };
}

/** TRL preference rows for judged pairs, ties left out; `skippedTies` counts them. */
export function trlPreferences(
  rows: readonly PreferenceRow[],
  opts: PreferenceDataOptions = {},
): { records: TrlPreference[]; skippedTies: number } {
  const records: TrlPreference[] = [];
  let skippedTies = 0;
  for (const row of rows) {
    const pref = orientPreference(row);
    if (pref) records.push(toTrlPreference(pref, opts));
    else skippedTies++;
  }
  return { records, skippedTies };
}

/** A TRL prompt-only row, for online trainers that sample their own responses. */
export function trlPrompt(
  prompt: string,
  opts: Pick<PreferenceDataOptions, 'form' | 'systemPrompt'> = {},
): { prompt: string | ChatMessage[] } {
  return {
    prompt: opts.form === 'conversational' ? conversationalPrompt(prompt, opts.systemPrompt) : prompt,
  };
}

/** JSON Lines text of records: one compact JSON object per line, newline-terminated. */
export function toJsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r) + '\n').join('');
}

/** Writes a file atomically: a temporary name in the same folder, then a rename. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** What a data writer wrote. */
export interface TrainerDataFile {
  path: string;
  format: TrainerDataFormat;
  count: number;
  /** Preference rows left out because p = 0.5 (always 0 for prompts). */
  skippedTies: number;
}

/** Writes judged pairs as TRL preference JSONL (standard or conversational), atomically. */
export async function writeTrlPreferences(
  file: string,
  rows: readonly PreferenceRow[],
  opts: PreferenceDataOptions = {},
): Promise<TrainerDataFile> {
  const { records, skippedTies } = trlPreferences(rows, opts);
  if (records.length === 0) {
    throw new InvalidInputError(
      `no preference rows to write to ${file}: ${rows.length} rows given, ${skippedTies} of them ties (p = 0.5)`,
    );
  }
  await writeFileAtomic(file, toJsonl(records));
  return {
    path: file,
    format: opts.form === 'conversational' ? 'trl-conversational' : 'trl-standard',
    count: records.length,
    skippedTies,
  };
}

/** Writes prompts as TRL prompt-only JSONL ({"prompt": ...}), atomically. */
export async function writeTrlPrompts(
  file: string,
  prompts: ReadonlyArray<PromptRow | string>,
  opts: Pick<PreferenceDataOptions, 'form' | 'systemPrompt'> = {},
): Promise<TrainerDataFile> {
  if (prompts.length === 0) throw new InvalidInputError(`no prompts to write to ${file}`);
  const records = prompts.map((p) => trlPrompt(typeof p === 'string' ? p : p.prompt, opts));
  await writeFileAtomic(file, toJsonl(records));
  return { path: file, format: 'prompts', count: records.length, skippedTies: 0 };
}

function messageText(value: unknown, role: ChatMessage['role'], where: string): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw new InvalidInputError(`${where}: expected a string or a list of messages`);
  const texts = value
    .filter((m): m is ChatMessage => typeof m === 'object' && m !== null && (m as ChatMessage).role === role)
    .map((m) => m.content);
  const last = texts[texts.length - 1];
  if (typeof last !== 'string')
    throw new InvalidInputError(`${where}: no "${role}" message with string content`);
  return last;
}

/**
 * Reads TRL preference JSONL (either form, explicit prompt) back into oriented pairs, for trainers
 * written against this contract. Conversational rows keep the last user message as the prompt and
 * the last assistant message of each side. q comes from `score`, else σ(`margin`), else 1.
 * Blank lines are skipped; a malformed line throws InvalidInputError naming its number.
 */
export function parseTrlPreferences(text: string, source = 'preference data'): OrientedPreference[] {
  const out: OrientedPreference[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${source} line ${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new InvalidInputError(`${where}: not JSON`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new InvalidInputError(`${where}: expected a JSON object`);
    }
    const r = row as Record<string, unknown>;
    if (r.prompt === undefined || r.chosen === undefined || r.rejected === undefined) {
      throw new InvalidInputError(`${where}: expected "prompt", "chosen" and "rejected"`);
    }
    let q = 1;
    if (typeof r.score === 'number') q = r.score;
    else if (typeof r.margin === 'number') q = 1 / (1 + Math.exp(-r.margin));
    if (!(q >= 0 && q <= 1)) throw new InvalidInputError(`${where}: score must be in [0, 1], got ${q}`);
    out.push({
      prompt: messageText(r.prompt, 'user', `${where} "prompt"`),
      chosen: messageText(r.chosen, 'assistant', `${where} "chosen"`),
      rejected: messageText(r.rejected, 'assistant', `${where} "rejected"`),
      q,
    });
  });
  return out;
}
