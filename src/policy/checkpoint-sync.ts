/**
 * An external trainer's `checkpoint-<step>` entries kept in the artifact store, for workers whose
 * scratch folders are their own (an S3 store): the trainer writes into a local folder as usual;
 * each complete checkpoint it reports is uploaded, and a retried activity on any machine first
 * restores the newest uploaded one into its fresh folder, so the trainer resumes from it instead
 * of starting over.
 *
 * A checkpoint is its files, each committed under `<folder>/checkpoint-<step>/<path>`, then an
 * index `<folder>/checkpoint-<step>.index.jsonl` naming them with their references. The index is
 * committed last: a checkpoint whose upload was cut short has none and is never restored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactRef } from '../store/artifact';
import { checkKey, type ArtifactStore } from '../store/store';
import { findLatestCheckpoint } from './external-trainer';

interface IndexRow {
  /** Path inside the checkpoint ('' for a checkpoint that is one file). */
  path: string;
  ref: ArtifactRef;
}

const INDEX = /\/checkpoint-(\d+)((?:\.[A-Za-z0-9]+)?)\.index\.jsonl$/;

/** Files of a folder, as '/'-separated relative paths, sorted. */
function filesOf(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesOf(dir, p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

export class CheckpointSync {
  private readonly uploaded = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ArtifactStore,
    /** The store folder of the stage's checkpoints. */
    readonly folder: string,
    /** The trainer's local output folder. */
    readonly outputDir: string,
  ) {}

  /** Whether this store needs syncing at all (its scratch folders are private). */
  get active(): boolean {
    return !this.store.sharedScratch;
  }

  /** Puts the newest uploaded checkpoint into the output folder; its step, if there was one. */
  async restoreNewest(): Promise<number | undefined> {
    if (!this.active) return undefined;
    const indexes = (await this.store.listCommitted(this.folder))
      .map((key) => ({ key, m: INDEX.exec(key) }))
      .filter((x) => x.m)
      .map((x) => ({ key: x.key, step: Number(x.m![1]), name: `checkpoint-${x.m![1]}${x.m![2]}` }))
      .sort((a, b) => b.step - a.step);
    for (const idx of indexes) {
      const rows = await this.store.readFirstRow<{ files: IndexRow[] }>(idx.key);
      if (!rows) continue;
      const target = path.join(this.outputDir, idx.name);
      fs.rmSync(target, { recursive: true, force: true });
      for (const f of rows.files) {
        const file = f.path === '' ? target : path.join(target, ...f.path.split('/'));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, await this.store.readBytes(f.ref));
      }
      this.uploaded.add(idx.name);
      return idx.step;
    }
    return undefined;
  }

  /** Uploads the newest complete checkpoint of the output folder unless it is uploaded already. */
  async uploadNewest(): Promise<void> {
    if (!this.active) return;
    this.queue = this.queue.then(() => this.uploadNow());
    await this.queue;
  }

  /** `uploadNewest` in the background (from a trainer's event); errors wait for the next call. */
  uploadSoon(): void {
    if (!this.active) return;
    this.queue = this.queue.then(() => this.uploadNow()).catch(() => undefined);
  }

  /** Waits for background uploads to end (their errors were already dropped). */
  async settled(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  private async uploadNow(): Promise<void> {
    const latest = await findLatestCheckpoint(this.outputDir);
    if (!latest) return;
    const name = path.basename(latest.path);
    if (this.uploaded.has(name)) return;
    const isDir = fs.statSync(latest.path).isDirectory();
    const rels = isDir ? filesOf(latest.path) : [''];
    const files: IndexRow[] = [];
    for (const rel of rels) {
      const key = rel === '' ? `${this.folder}/${name}` : `${this.folder}/${name}/${rel}`;
      try {
        checkKey(key);
      } catch {
        // A file the store cannot name: this checkpoint cannot be restored whole, so skip it.
        return;
      }
      const data = fs.readFileSync(rel === '' ? latest.path : path.join(latest.path, ...rel.split('/')));
      files.push({ path: rel, ref: await this.store.commitBytes(key, data, 1) });
    }
    await this.store.commitJsonl(`${this.folder}/${name}.index.jsonl`, [{ files }]);
    this.uploaded.add(name);
  }
}
