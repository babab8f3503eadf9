/**
 * The judgment ledger: every answer a paid judge gave, keyed by a hash of the exact question, in
 * an append-only JSONL file with an in-memory index. A judge consults it before calling its
 * endpoint, so a judgment is paid for once however often an activity is retried, a worker
 * crashes mid-batch, or a run is resumed. Several processes may share one file (workers on one
 * store): a miss re-reads what others appended since the last look.
 *
 * Dead letters: pairs no judge could label. They are recorded, the batch goes on, and the stage
 * reports coverage = judged / total instead of failing the whole run for a few refusals.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VerdictFailure } from './async-judge';

/** sha256 of the canonical JSON of the parts: what the judge was asked and how. */
export function judgmentKey(parts: Record<string, unknown>): string {
  const canon = JSON.stringify(
    Object.keys(parts)
      .sort()
      .map((k) => [k, parts[k]]),
  );
  return createHash('sha256').update(canon).digest('hex');
}

/** Where the ledger of a store folder lives. */
export function ledgerPath(storeDir: string): string {
  return path.join(storeDir, 'judgments.jsonl');
}

/** Reads complete JSONL lines appended to `file` after byte `offset`; returns them and the new offset. */
function readTail(file: string, offset: number): { lines: string[]; offset: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], offset: 0 };
    throw e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { lines: [], offset };
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    // Only whole lines: a writer may be half-way through the last one.
    const end = buf.lastIndexOf(0x0a);
    if (end < 0) return { lines: [], offset };
    const text = buf.subarray(0, end).toString('utf8');
    return { lines: text.split('\n').filter((l) => l.trim() !== ''), offset: offset + end + 1 };
  } finally {
    fs.closeSync(fd);
  }
}

/** Appends one JSON line, first closing a torn line left by a crashed writer. */
function appendLine(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let prefix = '';
  try {
    const size = fs.statSync(file).size;
    if (size > 0) {
      const fd = fs.openSync(file, 'r');
      try {
        const b = Buffer.alloc(1);
        fs.readSync(fd, b, 0, 1, size - 1);
        if (b[0] !== 0x0a) prefix = '\n';
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // One write call with O_APPEND, so concurrent writers do not interleave within a line.
  fs.appendFileSync(file, prefix + JSON.stringify(value) + '\n', 'utf8');
}

/** An append-only, file-backed map from judgment key to the judge's verdict. */
export class JudgmentLedger<V = unknown> {
  private readonly index = new Map<string, V>();
  private offset = 0;
  /** Lines that could not be parsed (torn by a crash); skipped, never fatal. */
  skippedLines = 0;

  constructor(readonly file: string) {
    this.refresh();
  }

  /** Reads entries appended (by any process) since the last read. */
  refresh(): void {
    const { lines, offset } = readTail(this.file, this.offset);
    this.offset = offset;
    for (const line of lines) {
      try {
        const e = JSON.parse(line) as { key?: unknown; verdict?: V };
        if (typeof e.key === 'string' && e.verdict !== undefined && !this.index.has(e.key)) {
          this.index.set(e.key, e.verdict);
        }
      } catch {
        this.skippedLines++;
      }
    }
  }

  /** The recorded verdict for `key`, looking at the file again on a miss. */
  get(key: string): V | undefined {
    const hit = this.index.get(key);
    if (hit !== undefined) return hit;
    this.refresh();
    return this.index.get(key);
  }

  /** Records a verdict; a key already recorded (here or by another process) keeps its first verdict. */
  put(key: string, verdict: V): void {
    if (this.get(key) !== undefined) return;
    this.index.set(key, verdict);
    appendLine(this.file, { key, at: new Date().toISOString(), verdict });
    this.refresh();
  }

  /** Number of recorded judgments known to this instance. */
  get size(): number {
    return this.index.size;
  }
}

const openLedgers = new Map<string, JudgmentLedger>();

/** The process's ledger for a file: one in-memory index per file, however many judges use it. */
export function openLedger(file: string): JudgmentLedger {
  const key = path.resolve(file);
  let l = openLedgers.get(key);
  if (!l) {
    l = new JudgmentLedger(key);
    openLedgers.set(key, l);
  }
  return l;
}

/** A pair no judge could label, and why. */
export interface DeadLetter {
  pairId: string;
  reason: VerdictFailure | string;
  /** The judge's raw answer (or an excerpt), for a person to look at. */
  raw: string;
  /** ISO time it was recorded. */
  at: string;
}

/** An append-only JSONL set of dead letters, one per pair id. */
export class DeadLetterSet {
  private readonly byId = new Map<string, DeadLetter>();
  private offset = 0;

  constructor(readonly file: string) {
    this.refresh();
  }

  private refresh(): void {
    const { lines, offset } = readTail(this.file, this.offset);
    this.offset = offset;
    for (const line of lines) {
      try {
        const d = JSON.parse(line) as DeadLetter;
        if (typeof d.pairId === 'string' && !this.byId.has(d.pairId)) this.byId.set(d.pairId, d);
      } catch {
        // a torn line from a crash: skip it
      }
    }
  }

  /**
   * Records a dead letter (the raw text is cut to 2000 characters) and returns it. A pair already
   * recorded (by an earlier attempt of the batch, or another worker) is not written again: its
   * first record is returned, so the file holds one line per pair however often it is retried.
   */
  add(entry: { pairId: string; reason: VerdictFailure | string; raw: string }): DeadLetter {
    this.refresh();
    const known = this.byId.get(entry.pairId);
    if (known) return known;
    const d: DeadLetter = {
      pairId: entry.pairId,
      reason: entry.reason,
      raw: entry.raw.length > 2000 ? `${entry.raw.slice(0, 2000)}…` : entry.raw,
      at: new Date().toISOString(),
    };
    appendLine(this.file, d);
    this.refresh();
    this.byId.set(d.pairId, d);
    return d;
  }

  has(pairId: string): boolean {
    return this.byId.has(pairId);
  }

  /** Every dead letter, first record per pair, sorted by pair id. */
  list(): DeadLetter[] {
    this.refresh();
    return [...this.byId.values()].sort((a, b) => (a.pairId < b.pairId ? -1 : a.pairId > b.pairId ? 1 : 0));
  }

  get size(): number {
    return this.byId.size;
  }
}

/** The share of items that got a judgment; 1 for an empty batch. */
export function coverage(judged: number, total: number): number {
  return total === 0 ? 1 : judged / total;
}
