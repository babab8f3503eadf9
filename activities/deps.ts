/** What the activities need from the worker: the artifact store and what its owner lets runs use. */
import type { WorkerCapabilities } from '../src/capabilities/worker-capabilities';
import type { ArtifactRef, StageInput } from '../src/contracts';
import type { ArtifactStore } from '../src/store/store';

export interface ActivityDeps {
  store: ArtifactStore;
  /** Endpoints, trainers and data roots runs may name (default: none; the embedded demo needs none). */
  capabilities?: WorkerCapabilities;
  /** Run stage computations in worker threads (the default). Tests may turn it off. */
  threads?: boolean;
  /** Recomputes the batch output `ref` (found corrupt) through the activity that produced it; set by `createActivities`. */
  rebuild?: (ref: ArtifactRef, consumer: StageInput) => Promise<void>;
}
