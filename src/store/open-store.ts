/**
 * The one place a process gets its artifact store: `s3://bucket/prefix` opens the S3 store,
 * anything else is a local folder. The spec comes from `--store`, else `$RLAIF_STORE`, else the
 * project's `.rlaif/store`.
 */
import * as path from 'node:path';
import { defaultStoreRoot } from '../paths';
import { LocalArtifactStore } from './local-store';
import { S3ArtifactStore } from './s3-store';
import type { ArtifactStore } from './store';

/** The store spec in effect: `spec`, else $RLAIF_STORE, else <state>/store (a folder made absolute). */
export function storeSpec(spec?: string): string {
  if (spec === undefined) return defaultStoreRoot();
  return isS3Spec(spec) ? spec : path.resolve(spec);
}

/** Whether a store spec names an S3 bucket. */
export function isS3Spec(spec: string): boolean {
  return spec.startsWith('s3://');
}

/** Opens the store a spec names (see `storeSpec`). */
export function openArtifactStore(spec?: string): ArtifactStore {
  const s = storeSpec(spec);
  return isS3Spec(s) ? new S3ArtifactStore(s) : new LocalArtifactStore(s);
}
