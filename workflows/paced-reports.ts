/**
 * The progress signals a round of v0.3.0 sent its run: at most one every PROGRESS_EVERY_MS of
 * workflow time, the latest report per stage, a timer sending what is held once the interval is
 * over, and a wait for budget at once. Rounds started since send none (`query-only-progress`);
 * this replays the rounds of v0.3.0 still open (docs/versioning.md).
 */
import { sleep, type ExternalWorkflowHandle } from '@temporalio/workflow';
import { stageProgressSignal, type StageProgress } from './definitions';

const PROGRESS_EVERY_MS = 2000;

export class PacedReports {
  /** Reports held back for the next signal, the latest per stage, oldest first. */
  private readonly held = new Map<string, StageProgress>();
  private lastSentAt = -Infinity;
  private flushScheduled = false;

  constructor(private readonly parent: ExternalWorkflowHandle) {}

  /** Holds `p` (stamped with workflow times) and sends what is held when the interval allows. */
  add(p: StageProgress, startedAt: number): void {
    this.held.delete(p.stage);
    this.held.set(p.stage, { ...p, at: Date.now(), startedAt });
    const wait = this.lastSentAt + PROGRESS_EVERY_MS - Date.now();
    if (p.waitingForBudget || wait <= 0) this.send();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      // A cancelled round cancels the timer too: that is no failure of the round.
      void sleep(wait).then(
        () => {
          this.flushScheduled = false;
          this.send();
        },
        () => undefined,
      );
    }
  }

  private send(): void {
    if (this.held.size === 0) return;
    const list = [...this.held.values()];
    this.held.clear();
    this.lastSentAt = Date.now();
    // Progress is best effort: a parent that has gone (terminated) must not fail the round.
    void this.parent.signal(stageProgressSignal, list).catch(() => undefined);
  }
}
