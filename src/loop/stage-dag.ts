/**
 * A round's stage DAG, run: every stage whose `after` stages are done starts (independent stages
 * overlap), a batched stage fans out to at most `concurrency` lanes that each take the next
 * batch, its batch outputs are merged, and every stage's output is folded into the board. The
 * round workflow runs it with `scheduleActivity`, the in-process loop with direct calls of the
 * activity functions, so both are the same loop by construction.
 *
 * Workflow-safe: no Node, no clock, no I/O; everything the caller does is in its hooks.
 */
import type { RunConfig, StageSpec } from '../config/schema';
import { batchCountOf, isSummedMetric } from '../config/stage-types';
import type { ArtifactRef, Blackboard, StageOutput } from '../contracts';

/** Which batch of how many a call computes. */
export interface BatchOf {
  index: number;
  count: number;
}

/** What the DAG asks of whoever runs it. */
export interface StageDagHooks {
  /** Runs a stage's activity (one batch of it, for a batched stage) on the board as it stands. */
  call(stage: StageSpec, board: Blackboard, batch: BatchOf | undefined): Promise<StageOutput>;
  /** Before a stage starts (a wait for budget, say): false abandons it and every stage after. */
  admit?(stage: StageSpec): Promise<boolean>;
  /** A stage's batches done so far (0 of n as it starts). */
  report?(stage: StageSpec, batchesDone: number, batchesTotal: number): Promise<void>;
  /** After a stage's output is on the board; a returned promise is awaited. */
  settled?(stage: StageSpec, output: StageOutput, batches: number): Promise<void> | undefined;
  /** How many batches a stage fans out to; default: its type's rule in the stage registry. */
  batchCount?(stage: StageSpec, board: Blackboard): number;
}

/** The stage DAG of one round and what it has made so far. */
export class StageDag {
  /** The round's artifacts: the input board, then every stage's outputs. */
  readonly board: Blackboard;
  /** Every stage's metrics, later stages overwriting equal names. */
  readonly metrics: Record<string, number> = {};
  /** Every stage and batch lane started, so a failed round can wait for those it cancels. */
  readonly tasks: Promise<unknown>[] = [];
  /** A stage was not admitted: the round ends without its outputs. */
  abandoned = false;

  constructor(
    private readonly stages: readonly StageSpec[],
    private readonly config: RunConfig,
    board: Blackboard,
    private readonly hooks: StageDagHooks,
  ) {
    this.board = { ...board };
  }

  /** Runs every stage once its `after` stages are done; fails with the first stage that fails. */
  async run(): Promise<void> {
    const finished = new Set<string>();
    const started = new Set<string>();
    const running = new Map<string, Promise<string>>();
    while (finished.size < this.stages.length) {
      for (const stage of this.stages) {
        if (!started.has(stage.id) && stage.after.every((d) => finished.has(d))) {
          started.add(stage.id);
          const done = this.runStage(stage).then(() => stage.id);
          this.tasks.push(done);
          running.set(stage.id, done);
        }
      }
      const id = await Promise.race(running.values());
      running.delete(id);
      finished.add(id);
    }
  }

  private async runStage(stage: StageSpec): Promise<void> {
    if (this.abandoned || !(await (this.hooks.admit?.(stage) ?? Promise.resolve(true)))) {
      this.abandoned = true;
      return;
    }
    const count = this.hooks.batchCount?.(stage, this.board) ?? batchCountOf(stage, this.config, this.board);
    const output = count === 0 ? await this.whole(stage) : await this.fanOut(stage, count);
    Object.assign(this.board, output.artifacts);
    Object.assign(this.metrics, output.metrics);
    const after = this.hooks.settled?.(stage, output, Math.max(count, 1));
    if (after) await after;
  }

  private async whole(stage: StageSpec): Promise<StageOutput> {
    await this.hooks.report?.(stage, 0, 1);
    const output = await this.hooks.call(stage, this.board, undefined);
    await this.hooks.report?.(stage, 1, 1);
    return output;
  }

  /** A fixed number of lanes, each taking the next batch: at most `concurrency` in flight. */
  private async fanOut(stage: StageSpec, count: number): Promise<StageOutput> {
    await this.hooks.report?.(stage, 0, count);
    const outputs: StageOutput[] = new Array<StageOutput>(count);
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < count) {
        const index = next++;
        outputs[index] = await this.hooks.call(stage, this.board, { index, count });
        done++;
        await this.hooks.report?.(stage, done, count);
      }
    };
    const lanes = Array.from({ length: Math.min(this.config.concurrency, count) }, lane);
    this.tasks.push(...lanes);
    await Promise.all(lanes);
    return mergeBatchOutputs(stage, outputs);
  }
}

/**
 * One output from a stage's batch outputs: their artifact lists concatenated in batch order, their
 * counts summed and their rates averaged, weighted by the rows of each batch.
 */
export function mergeBatchOutputs(stage: StageSpec, outputs: readonly StageOutput[]): StageOutput {
  const artifacts: Record<string, ArtifactRef[]> = {};
  for (const o of outputs) {
    for (const [key, value] of Object.entries(o.artifacts)) {
      if (Array.isArray(value) && value.length > 0) (artifacts[key] ??= []).push(...(value as ArtifactRef[]));
    }
  }
  const weights = outputs.map((o) => {
    const refs = Object.values(o.artifacts).flatMap((v) => (Array.isArray(v) ? (v as ArtifactRef[]) : []));
    return Math.max(
      1,
      refs.reduce((s, r) => s + r.count, 0),
    );
  });
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const metrics: Record<string, number> = {};
  outputs.forEach((o, i) => {
    for (const [k, v] of Object.entries(o.metrics)) {
      const w = isSummedMetric(stage, k) ? 1 : (weights[i] ?? 1) / totalWeight;
      metrics[k] = (metrics[k] ?? 0) + v * w;
    }
  });
  return { artifacts: artifacts as Partial<Blackboard>, metrics };
}
