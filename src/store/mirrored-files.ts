/**
 * Files a run relies on being shared, kept in the store when workers' scratch folders are private
 * (an S3 store: each machine has its own). In a local store they are already shared, and these
 * functions do nothing.
 *
 * - The judgment ledger (src/judges/ledger.ts) stays an append-only local file that judges read
 *   and write synchronously; a `LedgerMirror` pulls the judgments other workers put in the store
 *   into it before judging, and pushes this worker's new judgments as committed chunks while and
 *   after it judges. A judgment is paid for once across machines, except those made since the
 *   last push by a worker that died (pushes run every few seconds during a batch).
 * - Dead letters of a batch are committed beside the batch's output once it is done.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactStore } from './store';

interface LedgerLine {
  key: string;
}

/** Mirrors one ledger file and its folder of committed chunks in the store. */
export class LedgerMirror {
  /** Chunks already pulled into the file. */
  private readonly pulled = new Set<string>();
  /** Judgment keys already in the store. */
  private readonly inStore = new Set<string>();
  private pushing: Promise<void> = Promise.resolve();
  private lastPush = 0;

  constructor(
    private readonly store: ArtifactStore,
    /** The store folder of the chunks, e.g. `runs/<run>/ledger/chunks`. */
    readonly folder: string,
    /** The local ledger file the judges use. */
    readonly file: string,
  ) {}

  /** Adds the judgments committed by other workers since the last pull to the local file. */
  async pull(): Promise<void> {
    if (this.store.sharedScratch) return;
    for (const key of await this.store.listCommitted(this.folder)) {
      if (this.pulled.has(key)) continue;
      const ref = await this.store.get(key);
      if (!ref) continue;
      const rows = await this.store.readJsonl<LedgerLine>(ref);
      const fresh = rows.filter((r) => !this.inStore.has(r.key));
      for (const r of rows) this.inStore.add(r.key);
      if (fresh.length > 0) {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        appendLines(this.file, fresh);
      }
      this.pulled.add(key);
    }
  }

  /** Commits the judgments of the local file that the store does not hold yet, as one chunk. */
  async push(): Promise<void> {
    if (this.store.sharedScratch) return;
    this.pushing = this.pushing.then(() => this.pushNow());
    await this.pushing;
  }

  /** `push`, at most every `everyMs`: for progress callbacks during a batch. */
  pushEvery(everyMs: number): void {
    if (this.store.sharedScratch || Date.now() - this.lastPush < everyMs) return;
    this.lastPush = Date.now();
    // A failed background push is retried by the next one and by the push after the batch.
    this.pushing = this.pushing.then(() => this.pushNow()).catch(() => undefined);
  }

  private async pushNow(): Promise<void> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const mine: LedgerLine[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const row = JSON.parse(line) as LedgerLine;
        if (typeof row.key === 'string' && !this.inStore.has(row.key)) mine.push(row);
      } catch {
        // a line torn by a crash: the ledger skips it too
      }
    }
    if (mine.length === 0) return;
    const stamp = new Date().toISOString().replace(/[:.]/g, '');
    const key = `${this.folder}/chunk-${stamp}-${randomBytes(4).toString('hex')}.jsonl`;
    await this.store.commitJsonl(key, mine);
    for (const r of mine) this.inStore.add(r.key);
    this.pulled.add(key);
  }
}

function appendLines(file: string, rows: readonly unknown[]): void {
  let prefix = '';
  try {
    const size = fs.statSync(file).size;
    if (size > 0) {
      const fd = fs.openSync(file, 'r');
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, size - 1);
      fs.closeSync(fd);
      if (b[0] !== 0x0a) prefix = '\n';
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.appendFileSync(file, prefix + rows.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
}

/** How often a worker pushes its new judgments during a batch (what a crash can cost again). */
export const LEDGER_PUSH_MS = 5000;

const mirrors = new Map<string, LedgerMirror>();

/**
 * The process's mirror of a run's ledger (`name`: the folder, `ledger` for the training judge's):
 * one per store, run and ledger, so pulls are incremental.
 */
export function ledgerMirror(store: ArtifactStore, runKey: string, name = 'ledger'): LedgerMirror {
  const folder = `runs/${runKey}/${name}`;
  const id = `${store.location}|${folder}`;
  let m = mirrors.get(id);
  if (!m) {
    m = new LedgerMirror(store, `${folder}/chunks`, path.join(store.scratchDir(folder), 'judgments.jsonl'));
    mirrors.set(id, m);
  }
  return m;
}

/** Commits a finished batch's local file (dead letters) under `key`, when scratch is private and the file exists. */
export async function keepFile(store: ArtifactStore, key: string, file: string): Promise<void> {
  if (store.sharedScratch) return;
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const rows = data
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0).length;
  await store.commitBytes(key, data, rows);
}
