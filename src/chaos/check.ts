/**
 * The verdict on one disturbed run, against the undisturbed run of the same config and seed:
 * did it complete, was every batch committed exactly once, are the rows all there and unique,
 * and are the figures exactly the same.
 */
import type { RunSummary } from '../../workflows/run';
import type { AuditedStore } from './verify';

/** A finished run as the suite saw it. */
export interface RunOutcome {
  runKey: string;
  summary?: RunSummary;
  /** Why it failed, when it did. */
  error?: string;
}

export interface RunCheck {
  completed: boolean;
  failure?: string;
  /** Rows the reference run has that this run does not. */
  lost: number;
  /** The keys those rows are at (relative to the run). */
  lostAt: string[];
  /** Rows beyond the reference's, rows whose id repeats, and keys committed with two contents. */
  duplicated: number;
  /** Keys committed more than once without having been found corrupt in between. */
  extraCommits: number;
  /** Those keys. */
  committedTwice: string[];
  /** Committed keys with no record in the commit log (a worker killed between commit and record). */
  unlogged: string[];
  /** Figures (round, metric) that are not exactly the reference's. */
  differing: string[];
  /** Committed objects whose bytes differ from the reference's object at the same key. */
  artifactsDiffering: string[];
  /** Committed objects that fail their own checksum. */
  damaged: string[];
  /** Temporary files of killed commits, or S3 objects no manifest names (never read, harmless). */
  orphanTemps: number;
  /** S3 multipart uploads of the run still in progress after it ended (none were aborted). */
  abandonedUploads: number;
}

/** Spend figures (tokens, requests, money) count retried requests too; they are not results. */
const SPEND = /(Tokens|Requests|Cost)$/;

/** Batch outputs whose rows carry ids that must be unique within a round. */
const ID_ROWS = /\/round-\d+\/(generate|judge)\/batch-\d+-of-\d+\.jsonl$/;

/** A stored JSON document with `run` (its run key, or the key's folder) replaced by a placeholder. */
async function readWithoutRun<T>(store: AuditedStore, key: string, run: string): Promise<T> {
  return JSON.parse((await store.raw(key)).toString('utf8').split(run).join('<run>')) as T;
}

/** Records that name their run: a stage's recorded input, a round's kept checkpoint, the run config. */
const RUN_RECORD =
  /(\/input\.jsonl|\/checkpoints\/round-\d+\.jsonl|^runs\/[^/]+\/(identity|config\/[0-9a-f]+)\.jsonl)$/;

/**
 * The stored run config is keyed by the hash of its JSON, endpoints included, and a disturbed http
 * run reaches the model server through the fault proxy: its config is at another key. A run has
 * one, so the two are compared as the same record.
 */
const CONFIG_RECORD = /^config\/[0-9a-f]+\.jsonl$/;

/** A record in the shape of a stage input, a kept checkpoint, the run's identity or its config. */
interface RunRecord {
  history?: Array<{ metrics: Record<string, number> }>;
  config?: { endpoints?: unknown };
  endpoints?: unknown;
  fingerprint?: string;
}

/**
 * How two run records differ with the run key factored out, or undefined. A checkpoint's spend
 * metrics are left out, as in the figures; so are the configs' endpoints (and with them the run
 * fingerprint), because a disturbed run reaches the model server through the fault proxy.
 */
async function recordDifference(
  store: AuditedStore,
  a: string,
  runA: string,
  b: string,
  runB: string,
): Promise<string | undefined> {
  const read = async (key: string, run: string) => {
    const value = await readWithoutRun<RunRecord>(store, key, run);
    for (const h of value.history ?? [])
      h.metrics = Object.fromEntries(Object.entries(h.metrics).filter(([k]) => !SPEND.test(k)));
    if (value.config) delete value.config.endpoints;
    delete value.endpoints;
    delete value.fingerprint;
    return JSON.stringify(value);
  };
  return (await read(a, runA)) === (await read(b, runB)) ? undefined : 'fields';
}

/**
 * How two stage results differ, or undefined when they do not. Results name their artifacts by
 * key, and keys hold the run key, so that is factored out; spend metrics are left out as in the
 * figures (a batch retried after a crash pays again only for what its ledger lacks).
 */
async function resultDifference(
  store: AuditedStore,
  a: string,
  runA: string,
  b: string,
  runB: string,
): Promise<string | undefined> {
  if (RUN_RECORD.test(a)) return recordDifference(store, a, runA, b, runB);
  if (!a.endsWith('result.json')) return 'bytes';
  const read = async (key: string, run: string) =>
    (await readWithoutRun<{ artifacts?: unknown; metrics?: Record<string, number> }>(
      store,
      key,
      `runs/${run}/`,
    )) ?? {};
  const [x, y] = [await read(a, runA), await read(b, runB)];
  if (JSON.stringify(x.artifacts) !== JSON.stringify(y.artifacts)) return 'artifacts';
  const keys = new Set([...Object.keys(x.metrics ?? {}), ...Object.keys(y.metrics ?? {})]);
  const differ = [...keys].filter((k) => !SPEND.test(k) && !Object.is(x.metrics?.[k], y.metrics?.[k]));
  if (differ.length > 0) return differ.join(', ');
  const rest = (r: object) => JSON.stringify({ ...r, artifacts: undefined, metrics: undefined });
  return rest(x) === rest(y) ? undefined : 'fields';
}

/** Figures that differ: every metric of every round except spend, compared exactly. */
export function differingFigures(ref: RunSummary, got: RunSummary): string[] {
  const out: string[] = [];
  if (got.rounds !== ref.rounds) out.push(`rounds ${got.rounds} != ${ref.rounds}`);
  ref.history.forEach((h, i) => {
    const other = got.history[i]?.metrics ?? {};
    for (const [k, v] of Object.entries(h.metrics)) {
      if (SPEND.test(k)) continue;
      const w = other[k];
      if (!Object.is(v, w)) out.push(`round ${h.round} ${k}: ${w} != ${v}`);
    }
  });
  return out;
}

export async function checkRun(store: AuditedStore, ref: RunOutcome, got: RunOutcome): Promise<RunCheck> {
  const refAudit = await store.audit(`runs/${ref.runKey}/`);
  const audit = await store.audit(`runs/${got.runKey}/`);
  const rel = (key: string, runKey: string) => {
    const r = key.slice(`runs/${runKey}/`.length);
    return CONFIG_RECORD.test(r) ? 'config/<run config>.jsonl' : r;
  };
  const gotByRel = new Map([...audit.refs].map(([k, r]) => [rel(k, got.runKey), { ...r, key: k }]));

  let lost = 0;
  const lostAt: string[] = [];
  let duplicated = 0;
  const artifactsDiffering: string[] = [];
  for (const [key, r] of refAudit.refs) {
    const mine = gotByRel.get(rel(key, ref.runKey));
    const count = mine?.count ?? 0;
    if (count < r.count) {
      lost += r.count - count;
      lostAt.push(rel(key, ref.runKey));
    }
    if (count > r.count) duplicated += count - r.count;
    if (!mine || mine.sha256 === r.sha256) continue;
    const how = await resultDifference(store, key, ref.runKey, mine.key, got.runKey);
    if (how) artifactsDiffering.push(`${rel(key, ref.runKey)} (${how})`);
  }

  // Ids repeated within a round's responses or preferences.
  const seen = new Map<string, Set<string>>();
  for (const [key, r] of audit.refs) {
    if (!ID_ROWS.test(key) || audit.bad.includes(key)) continue;
    const group = key.replace(/\/batch-[^/]+$/, '');
    const ids = seen.get(group) ?? new Set<string>();
    seen.set(group, ids);
    for (const row of await store.store.readJsonl<{ id: string }>(r)) {
      if (ids.has(row.id)) duplicated++;
      ids.add(row.id);
    }
  }

  // Every key committed once, or again with the same bytes after it was found corrupt.
  const quarantined = new Map<string, number>();
  for (const q of await store.store.quarantineLog())
    quarantined.set(q.key, (quarantined.get(q.key) ?? 0) + 1);
  const commits = new Map<string, string[]>();
  for (const c of await store.store.commitLog()) {
    if (!c.key.startsWith(`runs/${got.runKey}/`)) continue;
    commits.set(c.key, [...(commits.get(c.key) ?? []), c.sha256]);
  }
  let extraCommits = 0;
  const committedTwice: string[] = [];
  for (const [key, shas] of commits) {
    const distinct = new Set(shas).size;
    if (distinct > 1) duplicated += (distinct - 1) * (audit.refs.get(key)?.count ?? 1);
    const extra = Math.max(0, shas.length - 1 - (quarantined.get(key) ?? 0));
    extraCommits += extra;
    if (extra > 0) committedTwice.push(key);
  }

  const unlogged = [...audit.refs.keys()].filter((k) => !commits.has(k));

  const check: RunCheck = {
    completed: got.summary?.status === 'completed',
    lost,
    lostAt,
    duplicated,
    extraCommits,
    committedTwice,
    unlogged,
    differing: ref.summary && got.summary ? differingFigures(ref.summary, got.summary) : ['no summary'],
    artifactsDiffering,
    damaged: audit.bad,
    orphanTemps: audit.orphanTemps.length,
    abandonedUploads: audit.abandonedUploads.length,
  };
  if (got.error) check.failure = got.error;
  return check;
}

/** Whether a run passed every check. */
export function passed(c: RunCheck): boolean {
  return (
    c.completed &&
    c.lost === 0 &&
    c.duplicated === 0 &&
    c.extraCommits === 0 &&
    c.differing.length === 0 &&
    c.damaged.length === 0 &&
    c.abandonedUploads === 0
  );
}
