/**
 * What the jobs server's resources share: OpenAI's object ids and timestamps, the timer set that
 * closing the server clears, metadata checks and cursor pages in the API reference's shapes.
 */
import { randomBytes } from 'crypto';
import { invalidParam } from '../../src/model-server/api-error';

/** A JSON object as the API sends and receives it. */
export type Json = Record<string, unknown>;

/** Seconds since the epoch, as OpenAI's `created_at` fields count. */
export const now = (): number => Math.floor(Date.now() / 1000);

/** An object id in OpenAI's shape: a type prefix and random hex. */
export const newId = (prefix: string, bytes = 12): string => `${prefix}${randomBytes(bytes).toString('hex')}`;

/** Counters for tests: how many objects were created and requests forwarded. */
export interface OpenAIJobsServerStats {
  filesCreated: number;
  batchesCreated: number;
  fineTuningJobsCreated: number;
  batchRequestsForwarded: number;
}

/**
 * The server's timers: batches and jobs advance through their states on them, and closing the
 * server cancels every pending one so a closed server leaves nothing running.
 */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private stopped = false;

  /** Whether the server has closed. */
  get closed(): boolean {
    return this.stopped;
  }

  /** Runs `fn` after `ms`, unless the server closes first; its failures are dropped. */
  later(ms: number, fn: () => void | Promise<void>): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.pending.delete(t);
      if (!this.stopped) void Promise.resolve(fn()).catch(() => undefined);
    }, ms);
    this.pending.add(t);
  }

  /** Resolves after `ms`; never resolves once the server has closed. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.later(ms, resolve));
  }

  /** Cancels every pending timer. */
  close(): void {
    this.stopped = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}

/** OpenAI metadata: at most 16 string pairs, keys ≤ 64 chars, values ≤ 512 chars. */
export function metadataParam(body: Json): Record<string, string> | null {
  const m = body.metadata;
  if (m === undefined || m === null) return null;
  if (typeof m !== 'object' || Array.isArray(m))
    throw invalidParam('metadata', "Invalid 'metadata': expected an object of string values.");
  const entries = Object.entries(m as Json);
  if (entries.length > 16)
    throw invalidParam('metadata', "Invalid 'metadata': too many keys, expected at most 16.");
  for (const [k, v] of entries) {
    if (k.length > 64)
      throw invalidParam(`metadata.${k}`, `Invalid 'metadata': key '${k}' is longer than 64 characters.`);
    if (typeof v !== 'string' || v.length > 512)
      throw invalidParam(
        `metadata.${k}`,
        `Invalid 'metadata.${k}': expected a string of at most 512 characters.`,
      );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** A cursor page in OpenAI's list shape: newest first, `after` = the id of the last item seen. */
export function page(items: Json[], query: URLSearchParams): Json {
  const limitRaw = query.get('limit');
  const limit = limitRaw === null ? 20 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw invalidParam('limit', `Invalid 'limit': expected an integer between 1 and 100, got ${limitRaw}.`);
  const after = query.get('after');
  let start = 0;
  if (after !== null) {
    const i = items.findIndex((x) => x.id === after);
    start = i < 0 ? items.length : i + 1;
  }
  const data = items.slice(start, start + limit);
  return {
    object: 'list',
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data[data.length - 1]?.id as string | undefined) ?? null,
    has_more: start + limit < items.length,
  };
}
