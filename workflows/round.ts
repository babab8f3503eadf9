/**
 * One round of the RLAIF loop as a child workflow: the config's stage DAG (src/loop/stage-dag.ts),
 * each stage or batch a scheduled activity. A child per round keeps every execution's history
 * bounded however many rounds the run has. The round's state is one small object; the message
 * handlers and the DAG's hooks delegate to it.
 */
import {
  CancellationScope,
  condition,
  deprecatePatch,
  getExternalWorkflowHandle,
  patched,
  scheduleActivity,
  setCurrentDetails,
  setHandler,
  sleep,
  type ExternalWorkflowHandle,
} from '@temporalio/workflow';
import type { Budget } from '../src/budget';
import { addSpend, NO_SPEND, overBudget, spendOf } from '../src/budget';
import type { RunConfig, StageSpec } from '../src/config/schema';
import { activityOfStage, batchCountOf, boardFor } from '../src/config/stage-types';
import { expandStages } from '../src/config/stages';
import type {
  ArtifactRef,
  Blackboard,
  JudgeBatchStatus,
  RoundInput,
  RoundResult,
  StageInput,
  StageOutput,
  StageStatus,
  SubmittedJudgeBatch,
} from '../src/contracts';
import { StageDag, type BatchOf, type StageDagHooks } from '../src/loop/stage-dag';
import {
  budgetSignal,
  roundProgressQuery,
  roundStagesSignal,
  setPausedSignal,
  stageProgressSignal,
  type StageProgress,
} from './definitions';
import { PacedReports } from './paced-reports';
import { stageActivityOptions } from './stage-options';
import { advanceStage } from './stage-status';

/**
 * Patch id: a round tells its run nothing while it runs (no signals, no pacing timers in its
 * timeline); its progress is its `roundProgress` query and its current details, and its result
 * says how its stages ended. Only a wait for budget is signalled, so the run can say so.
 */
const QUERY_ONLY_PROGRESS = 'query-only-progress';

/** Deprecated patch id: rounds that signal their run pace the signals (v0.3.0 rounds). */
const PACED_PROGRESS = 'paced-progress-signals';

/** Patch id: a round answers `setPaused` with its stages (`roundStages`); the run shares the id. */
const PAUSE_ANSWERED = 'pause-answered-with-stages';

/** Patch id: when a stage fails, the batches still in flight are cancelled, not abandoned pending. */
const CANCEL_ABANDONED = 'cancel-abandoned-activities';

/** Deprecated patch id: embedded generation runs in one wave of at most `concurrency` batches. */
const ONE_WAVE = 'embedded-generation-one-wave';

/** A stage activity's input as the round sends it: the run config inline, or its stored copy's reference. */
type StageCall = Omit<StageInput, 'config'> & {
  config?: RunConfig;
  configRef?: ArtifactRef;
  method?: StageSpec['method'];
};

/** A round's state: pause, budget, spend and each stage's status; its methods are the round's steps. */
class RoundState {
  private paused = false;
  private budget: Budget | undefined;
  private abandon = false;
  private roundSpend = NO_SPEND;
  /** Every stage's status so far, returned with the round's result. */
  private readonly statuses = new Map<string, StageStatus>();
  private readonly parent: ExternalWorkflowHandle | undefined;
  private paced: PacedReports | undefined;

  constructor(private readonly input: RoundInput) {
    this.budget = input.config.budget;
    this.parent = input.parentWorkflowId ? getExternalWorkflowHandle(input.parentWorkflowId) : undefined;
  }

  private get config(): RunConfig {
    return this.input.config;
  }

  stages(): StageStatus[] {
    return [...this.statuses.values()];
  }

  onBudget(update: { budget?: Budget; abandon?: boolean }): void {
    if (update.budget) this.budget = update.budget;
    if (update.abandon) this.abandon = true;
  }

  onSetPaused(value: boolean): void {
    this.paused = value;
    // The run answers its pause and unpause updates with this round's stages (it hears of them
    // from nobody else while the round runs). Rounds recorded before sent nothing (patched).
    if (this.parent && patched(PAUSE_ANSWERED))
      void this.parent
        .signal(roundStagesSignal, { round: this.input.round, stages: this.stages() })
        .catch(() => undefined);
  }

  /** The hooks the stage DAG runs with: each stage or batch an activity of this workflow. */
  hooks(): StageDagHooks {
    return {
      call: (stage, board, batch) => this.call(stage, board, batch),
      admit: (stage) => this.waitForBudget(stage),
      report: (stage, done, total) => this.report(this.progress(stage, done, total)),
      settled: (stage, output, batches) => this.addSpend(stage, output, batches),
      batchCount: (stage, board) => {
        // Rounds always fan embedded generation out in one wave; v0.3.0 and v0.4.0 rounds recorded the marker.
        if (stage.type === 'generate' && !this.config.generate.endpoint) deprecatePatch(ONE_WAVE);
        return batchCountOf(stage, this.config, board);
      },
    };
  }

  private progress(stage: StageSpec, batchesDone: number, batchesTotal: number): StageProgress {
    return { round: this.input.round, stage: stage.id, batchesDone, batchesTotal };
  }

  private async report(p: StageProgress): Promise<void> {
    this.statuses.set(p.stage, advanceStage(this.statuses.get(p.stage), p, Date.now()));
    setCurrentDetails(
      `**Round ${p.round} of ${this.config.rounds}** · stage **${p.stage}** · batch ${p.batchesDone} of ${p.batchesTotal} done`,
    );
    if (!this.parent) return;
    // Whoever wants the live stages asks this round (`roundProgress`): signals cost the run
    // workflow tasks and still lagged the truth. A wait for budget goes, at once, because the
    // run's status must say it waits for an operator. Rounds recorded before paced their
    // reports to the run (patched).
    if (patched(QUERY_ONLY_PROGRESS)) {
      if (p.waitingForBudget)
        void this.parent.signal(stageProgressSignal, [{ ...p, budgetOnly: true }]).catch(() => undefined);
      return;
    }
    deprecatePatch(PACED_PROGRESS);
    this.paced ??= new PacedReports(this.parent);
    this.paced.add(p, this.statuses.get(p.stage)?.startedAt ?? Date.now());
  }

  /** How activities get the run config: by reference when the run stored it (config-ref.ts). */
  private configOf(): { configRef: ArtifactRef } | { config: RunConfig } {
    return this.input.configRef ? { configRef: this.input.configRef } : { config: this.config };
  }

  private async call(stage: StageSpec, board: Blackboard, batch: BatchOf | undefined): Promise<StageOutput> {
    await condition(() => !this.paused);
    const { round, runKey } = this.input;
    const where = batch ? ` batch ${batch.index + 1}/${batch.count}` : '';
    const stageInput: StageCall = {
      runKey,
      round,
      stageId: stage.id,
      ...this.configOf(),
      board: boardFor(stage, board, this.config),
      ...(batch ? { batch } : {}),
      ...(stage.method ? { method: stage.method } : {}),
    };
    if (stage.type === 'judge' && this.config.judge.batchApi) {
      const batchJob = await this.viaBatchApi(stage, stageInput, where);
      if (batchJob) stageInput.batchJob = batchJob;
    }
    return scheduleActivity<StageOutput>(
      activityOfStage(stage) as string,
      [stageInput],
      stageActivityOptions(this.config, stage, `round ${round} · ${stage.id}${where}`),
    );
  }

  /**
   * Submits a judge batch to the Batch API and waits for it on durable timers: no process is
   * held while the provider works, and a crash anywhere resumes the same batch (submission is
   * idempotent). Polls start at `pollSeconds` and back off to 15 minutes, so a day-long batch
   * adds about a hundred polls to history, not thousands.
   */
  private async viaBatchApi(stage: StageSpec, stageInput: StageCall, where: string) {
    const options = (summary: string) =>
      stageActivityOptions(
        this.config,
        stage,
        `round ${this.input.round} · ${stage.id}${where} · ${summary}`,
      );
    const submitted = await scheduleActivity<SubmittedJudgeBatch>(
      'rlaif.judgeBatchSubmit',
      [stageInput],
      options('submit batch'),
    );
    if (!submitted.batchId) return undefined;
    let waitSeconds = this.config.judge.batchApi?.pollSeconds ?? 60;
    for (;;) {
      const status = await scheduleActivity<JudgeBatchStatus>(
        'rlaif.judgeBatchPoll',
        [{ ...this.configOf(), batchId: submitted.batchId }],
        options('check batch'),
      );
      if (status.terminal) break;
      await sleep(`${waitSeconds} seconds`);
      waitSeconds = Math.min(waitSeconds * 2, 15 * 60);
    }
    return { batchId: submitted.batchId };
  }

  private spent() {
    return addSpend(this.input.spentBefore ?? NO_SPEND, this.roundSpend);
  }

  /** At the budget's cap, waits for a raise (true) or for the run to give up (false). */
  private async waitForBudget(stage: StageSpec): Promise<boolean> {
    if (!overBudget(this.spent(), this.budget)) return true;
    await this.report({
      ...this.progress(stage, 0, 0),
      roundSpend: this.roundSpend,
      waitingForBudget: true,
    });
    await condition(() => this.abandon || !overBudget(this.spent(), this.budget));
    return !this.abandon;
  }

  /** Adds a stage's endpoint spend to the round's, and reports it when there was any. */
  private addSpend(stage: StageSpec, output: StageOutput, batches: number): Promise<void> | undefined {
    const stageSpend = spendOf(output.metrics);
    if (stageSpend.tokens === 0 && stageSpend.cost === 0) return undefined;
    this.roundSpend = addSpend(this.roundSpend, stageSpend);
    return this.report({ ...this.progress(stage, batches, batches), roundSpend: this.roundSpend });
  }

  /** Runs the DAG; a failed stage fails the round once the stages and batches in flight stopped. */
  async run(dag: StageDag): Promise<void> {
    const scope = new CancellationScope();
    try {
      await scope.run(() => dag.run());
    } catch (err) {
      // The batches and stages still in flight would otherwise stay pending in the failed round's
      // timeline (their retries, too, going on for nothing): they are cancelled, and the round
      // waits until each has stopped. Rounds recorded before failed at once (patched).
      if (patched(CANCEL_ABANDONED)) {
        scope.cancel();
        await Promise.allSettled(dag.tasks);
      }
      throw err;
    }
  }

  /** The round's result; the run learns how the last stages ended from it, not from a signal. */
  result(dag: StageDag): RoundResult {
    const { board, metrics } = dag;
    const base = { round: this.input.round, metrics, stages: this.stages() };
    if (dag.abandoned) return { ...base, abandoned: true, policy: board.policy };
    return {
      ...base,
      policy: board.newPolicy ?? board.policy,
      ...(board.preferencePool ? { preferencePool: board.preferencePool } : {}),
    };
  }
}

export async function rlaifRound(input: RoundInput): Promise<RoundResult> {
  const state = new RoundState(input);
  setHandler(budgetSignal, (update) => state.onBudget(update));
  setHandler(roundProgressQuery, () => state.stages());
  setHandler(setPausedSignal, (value) => state.onSetPaused(value));
  const dag = new StageDag(expandStages(input.config), input.config, input.board, state.hooks());
  await state.run(dag);
  return state.result(dag);
}
