/** What the activities need from the worker: the artifact store they read and write. */
import type { ArtifactRef, StageInput } from '../src/contracts';
import type { LocalArtifactStore } from '../src/store/local-store';

export interface ActivityDeps {
  store: LocalArtifactStore;
  /** Run stage computations in worker threads (the default). Tests may turn it off. */
  threads?: boolean;
  /** Recomputes the batch output `ref` (found corrupt) through the activity that produced it; set by `createActivities`. */
  rebuild?: (ref: ArtifactRef, consumer: StageInput) => Promise<void>;
}
