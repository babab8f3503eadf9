/**
 * Test hook for the chaos suite (src/chaos) and the several-machine test: with
 * RLAIF_CHAOS_KILL_ON_COMMIT=n, the process SIGKILLs itself at its n-th new commit, after the
 * object's bytes are written and before the commit takes effect (the local store's link, the S3
 * store's conditional manifest), which is the worst moment for a commit to be interrupted.
 */
const CHAOS_KILL_ON_COMMIT = Number(process.env.RLAIF_CHAOS_KILL_ON_COMMIT ?? 0);
let commitsStarted = 0;

/** Called by a store between writing an object and committing it. */
export function chaosKillOnCommit(): void {
  if (CHAOS_KILL_ON_COMMIT > 0 && ++commitsStarted === CHAOS_KILL_ON_COMMIT)
    process.kill(process.pid, 'SIGKILL');
}
