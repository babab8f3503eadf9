/**
 * An audit of what a run left in the store: every committed object must match its manifest, and
 * anything else (temporary files of interrupted commits, objects taken out as corrupt) is listed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ArtifactRef } from '../store/artifact';
import type { LocalArtifactStore } from '../store/local-store';
import type { ArtifactStore } from '../store/store';

export interface StoreAudit {
  /** Committed objects whose bytes match their manifest (and row count, for JSONL). */
  ok: number;
  /** Committed keys whose bytes do not. */
  bad: string[];
  /** Temporary files left by commits that were killed before their rename (never read). */
  orphanTemps: string[];
  /** References of the committed objects, by key. */
  refs: Map<string, ArtifactRef>;
  /** Multipart uploads still in progress (S3): uploads of killed attempts no commit aborted. */
  abandonedUploads: string[];
}

/**
 * A store as the checks see it: the store itself (logs, verified reads) and a way to audit and
 * read its committed objects without the store's own verification, which would quarantine what
 * it finds corrupt: an audit must not change what it audits.
 */
export interface AuditedStore {
  readonly store: ArtifactStore;
  /** Audits every object committed under `prefix` (a key prefix such as `runs/<runKey>/`). */
  audit(prefix: string): Promise<StoreAudit>;
  /** The bytes at a committed key, as stored. */
  raw(key: string): Promise<Buffer>;
}

/** The local store, audited through its folder. */
export function auditedLocal(store: LocalArtifactStore): AuditedStore {
  return {
    store,
    audit: (prefix) => verifyCommitted(store, prefix),
    raw: async (key) => fs.readFileSync(store.pathOf(key)),
  };
}

/** Whether bytes match a reference: sha256, and the row count of JSON Lines. */
export function matchesRef(key: string, data: Buffer, ref: ArtifactRef): boolean {
  const sha = createHash('sha256').update(data).digest('hex');
  const rows = key.endsWith('.jsonl') ? data.toString('utf8').split('\n').filter(Boolean).length : ref.count;
  return sha === ref.sha256 && rows === ref.count;
}

function walk(dir: string, out: string[]): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Audits every object committed under `prefix` (a key prefix such as `runs/<runKey>/`). */
export async function verifyCommitted(store: LocalArtifactStore, prefix: string): Promise<StoreAudit> {
  const files = walk(path.join(store.root, prefix), []);
  const audit: StoreAudit = { ok: 0, bad: [], orphanTemps: [], refs: new Map(), abandonedUploads: [] };
  for (const file of files) {
    const rel = path.relative(store.root, file).split(path.sep).join('/');
    if (/\.tmp-\d+-[0-9a-f]+$/.test(rel)) audit.orphanTemps.push(rel);
    if (!rel.endsWith('.manifest.json')) continue;
    const key = rel.slice(0, -'.manifest.json'.length);
    const ref = await store.get(key);
    if (!ref) continue;
    audit.refs.set(key, ref);
    try {
      // Read without the store's own quarantine: an audit must not change what it audits.
      if (matchesRef(key, fs.readFileSync(store.pathOf(key)), ref)) audit.ok++;
      else audit.bad.push(key);
    } catch {
      audit.bad.push(key);
    }
  }
  return audit;
}
