/**
 * Test hooks for the chaos suite (src/chaos) and the several-machine test.
 *
 * With RLAIF_CHAOS_KILL_ON_COMMIT=n, the process SIGKILLs itself at its n-th new commit, after the
 * object's bytes are written and before the commit takes effect (the local store's link, the S3
 * store's conditional manifest), which is the worst moment for a commit to be interrupted.
 *
 * The chaos worker also installs `ChaosStoreHooks`, so the suite can strike an S3 commit or a
 * multipart upload while it is in flight: a hook may hold the store (return a promise) while the
 * suite kills the S3 server or the worker. Without hooks installed both calls cost nothing.
 */
const CHAOS_KILL_ON_COMMIT = Number(process.env.RLAIF_CHAOS_KILL_ON_COMMIT ?? 0);
let commitsStarted = 0;

/** Called by a store between writing an object and committing it. */
export function chaosKillOnCommit(): void {
  if (CHAOS_KILL_ON_COMMIT > 0 && ++commitsStarted === CHAOS_KILL_ON_COMMIT)
    process.kill(process.pid, 'SIGKILL');
}

/** Where the S3 store lets the chaos suite in. */
export interface ChaosStoreHooks {
  /** An object's bytes are uploaded and its manifest (the commit) is about to be written. */
  commitStarted?(key: string): Promise<void> | void;
  /** A multipart upload has `done` of its `parts` parts uploaded and is not completed yet. */
  uploadInFlight?(name: string, done: number, parts: number): Promise<void> | void;
}

let hooks: ChaosStoreHooks = {};

/** Installs the hooks of this process (the chaos worker); replaces any installed before. */
export function setChaosStoreHooks(h: ChaosStoreHooks): void {
  hooks = h;
}

/** The hooks in effect (none outside the chaos suite). */
export function chaosStoreHooks(): ChaosStoreHooks {
  return hooks;
}
