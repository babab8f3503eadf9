/**
 * The chaos checks' view of an S3 store: committed objects read straight from the bucket (their
 * manifests and the objects they name), objects no manifest names (uploads of attempts that died
 * before their commit, or lost it), and multipart uploads still in progress.
 */
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { ArtifactRef } from '../store/artifact';
import type { S3ArtifactStore } from '../store/s3-store';
import { matchesRef, type AuditedStore, type StoreAudit } from './verify';

const MANIFEST = '.manifest.json';
const DATA = /^(.*)\.sha256-([0-9a-f]{64})$/;

export function auditedS3(store: S3ArtifactStore): AuditedStore {
  const { client, bucket } = store;
  const root = store.prefix ? `${store.prefix}/` : '';

  const get = async (name: string): Promise<Buffer> => {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: name }));
    return Buffer.from(
      await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  };
  /** Keys (relative to the store) of every object under a key prefix. */
  const list = async (prefix: string): Promise<string[]> => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const res = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: root + prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) if (o.Key) out.push(o.Key.slice(root.length));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  };
  const manifest = async (key: string) =>
    JSON.parse((await get(root + key + MANIFEST)).toString()) as ArtifactRef;

  return {
    store,
    async raw(key) {
      return get(`${root}${key}.sha256-${(await manifest(key)).sha256}`);
    },
    async audit(prefix): Promise<StoreAudit> {
      const audit: StoreAudit = { ok: 0, bad: [], orphanTemps: [], refs: new Map(), abandonedUploads: [] };
      const names = await list(prefix);
      for (const name of names.filter((n) => n.endsWith(MANIFEST))) {
        const key = name.slice(0, -MANIFEST.length);
        const m = await manifest(key);
        const ref = { uri: m.uri, sha256: m.sha256, count: m.count, bytes: m.bytes };
        audit.refs.set(key, ref);
        try {
          if (matchesRef(key, await get(`${root}${key}.sha256-${ref.sha256}`), ref)) audit.ok++;
          else audit.bad.push(key);
        } catch {
          audit.bad.push(key);
        }
      }
      for (const name of names) {
        const m = DATA.exec(name);
        if (m && audit.refs.get(m[1] as string)?.sha256 !== m[2]) audit.orphanTemps.push(name);
      }
      const uploads = await client.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: root + prefix }),
      );
      for (const u of uploads.Uploads ?? []) if (u.Key) audit.abandonedUploads.push(u.Key.slice(root.length));
      return audit;
    },
  };
}
