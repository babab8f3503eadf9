/**
 * A run's state between its message handlers and its loop: its view (progress), the round
 * running, and the checkpoint being written. Handlers call its methods, as the loop does; each
 * method makes its change whole before it awaits, so neither sees a half-made state. Workflow code.
 */
import { condition, patched, upsertSearchAttributes, type ChildWorkflowHandle } from '@temporalio/workflow';
import { addSpend, NO_SPEND, overBudget, spendOf, type Budget, type Spend } from '../src/budget';
import type { RoundResult, RunCheckpoint, StageStatus } from '../src/contracts';
import {
  budgetSignal,
  RLAIF_STAGE,
  setPausedSignal,
  type RunProgress,
  type StageProgress,
} from './definitions';
import type { rlaifRound } from './round';
import type { CarriedState, RunView } from './run-view';
import { advanceStage, withRoundStages } from './stage-status';

/** Patch id: raiseBudget keeps the caps it does not name (it replaced the whole budget). */
const RAISE_KEEPS_CAPS = 'raise-budget-keeps-caps';

/**
 * Patch id: pause and unpause wait (up to PAUSE_ANSWER_WAIT) for the running round to say where
 * it is, and answer with its stages. The round shares the id.
 */
const PAUSE_ANSWERED = 'pause-answered-with-stages';
const PAUSE_ANSWER_WAIT = '10 seconds';

type RoundHandle = ChildWorkflowHandle<typeof rlaifRound>;

export class RunState {
  readonly progress: RunProgress;
  /** The running round. */
  private child?: RoundHandle;
  /** Spend of the completed rounds; the running round's is added as it reports. */
  private spentBeforeRound: Spend = NO_SPEND;
  /** How many times the running rounds answered `setPaused`, and their last answer. */
  private roundAnswers = 0;
  private roundStages?: StageStatus[];
  /** The last round's checkpoint, while it is being written. */
  private checkpointSaving: Promise<unknown> = Promise.resolve();

  constructor(readonly view: RunView) {
    this.progress = view.progress;
  }

  /** Whether `stopAfterRound` was asked for. */
  get stopping(): boolean {
    return this.progress.stopAfterRound;
  }

  /** What continues as new with the run: what its updates changed. */
  carried(): CarriedState {
    const { paused, stopAfterRound, budget } = this.progress;
    return { paused, stopAfterRound, ...(budget ? { budget } : {}) };
  }

  // ---- message handlers ----

  /**
   * Pauses or unpauses the run and its running round, and answers with the run's progress; while
   * a round runs, with the round's stages as it answered (the run's own view has none). A round
   * that does not answer in time (it ended meanwhile) leaves the answer at the run's view.
   */
  async setPaused(paused: boolean): Promise<RunProgress> {
    const { progress, view } = this;
    progress.paused = paused;
    const child = this.child;
    const answers = this.roundAnswers;
    await this.forwardPause();
    view.setStatus(paused ? 'paused' : view.goingOnStatus());
    // Runs recorded before answered at once (patched: the wait is a timer).
    if (!child || !patched(PAUSE_ANSWERED)) return progress;
    const answered = await condition(
      () => this.roundAnswers > answers || this.child !== child,
      PAUSE_ANSWER_WAIT,
    );
    if (!answered || this.child !== child || !this.roundStages) return progress;
    return withRoundStages(progress, this.roundStages);
  }

  /** Ends the run once its round is done; a round waiting for budget is abandoned instead. */
  async stopAfterRound(): Promise<RunProgress> {
    const { progress } = this;
    progress.stopAfterRound = true;
    // A round waiting for budget cannot finish without spending.
    if (this.child && progress.status === 'budget-exhausted') {
      await this.child.signal(budgetSignal, { abandon: true }).catch(() => undefined);
    }
    this.view.setStatus('stopping');
    return progress;
  }

  /** Changes the caps `raise` names, tells the round, and lets a run waiting for budget go on. */
  async raiseBudget(raise: Budget): Promise<RunProgress> {
    const { progress } = this;
    // Raising tokens must not drop a cost cap. Runs recorded before replaced the whole budget.
    const budget = patched(RAISE_KEEPS_CAPS) ? { ...progress.budget, ...raise } : raise;
    progress.budget = budget;
    if (this.child) await this.child.signal(budgetSignal, { budget }).catch(() => undefined);
    if (progress.status === 'budget-exhausted' && !overBudget(progress.spend, budget))
      this.view.setStatus('running');
    return progress;
  }

  /** The round's answer to `setPaused`: its stages as they stand. */
  roundAnswered(round: number, stages: StageStatus[]): void {
    if (round !== this.progress.round) return;
    this.roundAnswers++;
    this.roundStages = stages;
  }

  /** A round's report: its spend and budget wait, or (rounds of earlier releases) its stage. */
  stageReported(p: StageProgress): void {
    const { progress, view } = this;
    if (p.round !== progress.round) return;
    // A round of this release tells only its spend and its wait for budget: its stages are its own
    // query's, and a stage set here would stay behind, stale, once the budget is raised.
    const stageChanged = !p.budgetOnly && this.stageAdvanced(p);
    if (p.roundSpend) progress.spend = addSpend(this.spentBeforeRound, p.roundSpend);
    if (p.waitingForBudget) view.setStatus('budget-exhausted');
    if (p.budgetOnly) return;
    if (stageChanged) upsertSearchAttributes([{ key: RLAIF_STAGE, value: p.stage }]);
    view.show();
  }

  /** A stage report of a round of an earlier release, in the run's view; true when the stage changed. */
  private stageAdvanced(p: StageProgress): boolean {
    const { progress } = this;
    const changed = p.stage !== progress.stage;
    progress.stage = p.stage;
    progress.batchesTotal = p.batchesTotal;
    const known = progress.stages.find((st) => st.stage === p.stage);
    const entry = advanceStage(known, p, Date.now());
    if (!known) progress.stages.push(entry);
    progress.batchesDone = entry.batchesDone;
    return changed;
  }

  /** Tells the running round whether the run is paused (best effort: a round that ended is gone). */
  private async forwardPause(): Promise<void> {
    if (this.child) await this.child.signal(setPausedSignal, this.progress.paused).catch(() => undefined);
  }

  // ---- the loop ----

  /** Where a run starts: its last checkpoint, or round 0. */
  loaded(state: RunCheckpoint): void {
    const { progress } = this;
    progress.history = state.history;
    this.spentBeforeRound = state.history.reduce((sum, h) => addSpend(sum, spendOf(h.metrics)), NO_SPEND);
    progress.spend = this.spentBeforeRound;
    progress.round = state.round;
    progress.checkpointRound = state.round;
    progress.latest = state.history[state.history.length - 1]?.metrics;
  }

  /**
   * Waits while the run is paused or at its budget's cap before `round`; false when it is to
   * stop instead.
   */
  async mayStart(round: number): Promise<boolean> {
    const { progress, view } = this;
    progress.round = round;
    progress.stage = 'waiting';
    progress.batchesDone = 0;
    progress.batchesTotal = 0;
    progress.stages = [];
    if (progress.paused) view.setStatus('paused');
    await condition(() => !progress.paused || progress.stopAfterRound);
    if (progress.stopAfterRound) return false;
    if (overBudget(progress.spend, progress.budget)) {
      view.setStatus('budget-exhausted');
      await condition(() => !overBudget(progress.spend, progress.budget) || progress.stopAfterRound);
      if (progress.stopAfterRound) return false;
    }
    return true;
  }

  /**
   * The round is starting: the run's view says a round runs, not which stage (the round knows
   * that, in its query and its details; the run hears of it when the round ends).
   */
  roundStarting(roundWorkflowId: string): void {
    this.progress.stage = 'round';
    this.progress.roundWorkflowId = roundWorkflowId;
    this.view.setStatus('running');
  }

  /** What a round starts with: the spend before it and the budget as it stands. */
  roundBudget(): { spentBefore: Spend; budget?: Budget } {
    const { budget } = this.progress;
    return { spentBefore: this.spentBeforeRound, ...(budget ? { budget } : {}) };
  }

  /** The round started; a run paused meanwhile pauses it. */
  async roundStarted(child: RoundHandle): Promise<void> {
    this.child = child;
    if (this.progress.paused) await this.forwardPause();
  }

  /**
   * The round's result, once the checkpoint of the round before is saved too. A failed round
   * also waits for that checkpoint: a resume starts there.
   */
  async roundResult(child: RoundHandle): Promise<RoundResult> {
    let result: RoundResult;
    try {
      result = await child.result();
    } catch (err) {
      await this.checkpointSaving.catch(() => undefined);
      throw err;
    }
    await this.checkpointSaving;
    this.child = undefined;
    delete this.progress.roundWorkflowId;
    // How the round's stages ended (the last ones were not signalled: the result says it).
    if (result.stages) this.progress.stages = result.stages;
    return result;
  }

  /**
   * The round ended: its figures are shown at once, before the next round starts, so progress
   * never shows round N+1 running without round N's figures; its checkpoint is next.
   */
  roundEnded(state: RunCheckpoint): void {
    const { progress } = this;
    progress.lastRound = { round: state.round, stages: progress.stages };
    progress.stage = 'checkpoint';
    progress.batchesDone = 0;
    progress.batchesTotal = 0;
    progress.history = state.history;
    progress.latest = state.history[state.history.length - 1]?.metrics;
    this.view.show();
  }

  /**
   * The round's checkpoint is being written (awaited by the next round's result, or before the
   * run continues as new or ends); its spend now counts as spent before the next round.
   */
  checkpointing(round: number, saved: Promise<unknown>, spend: Spend): void {
    this.checkpointSaving = saved.then(() => {
      this.progress.checkpointRound = round;
    });
    this.checkpointSaving.catch(() => undefined); // awaited later; must not count as unhandled meanwhile
    this.spentBeforeRound = addSpend(this.spentBeforeRound, spend);
    this.progress.spend = this.spentBeforeRound;
  }

  /** Waits for the last checkpoint to be written. */
  async checkpointSaved(): Promise<void> {
    await this.checkpointSaving;
  }

  /**
   * The final state: the last round run (not one the loop was about to start), its stages as they
   * ended, and no stage in progress.
   */
  finished(lastRound: number, status: RunProgress['status']): void {
    const { progress } = this;
    progress.round = lastRound;
    progress.stage = 'done';
    progress.stages = progress.lastRound?.stages ?? [];
    const lastStage = progress.stages[progress.stages.length - 1];
    progress.batchesTotal = lastStage?.batchesTotal ?? 0;
    progress.batchesDone = progress.batchesTotal;
    this.view.setStatus(status);
  }
}
