/**
 * A run's loop in one process, with no Temporal: the prepare activity, then each round's stage
 * DAG (the round workflow's own executor, stage-dag.ts) calling the plugin's activity functions
 * directly, on a local artifact store in a temporary folder that is removed at the end. The
 * activities run outside a worker (`runOutsideTemporal`): their heartbeats go nowhere and the
 * caller's AbortSignal cancels them. There are no worker capabilities here, so a config runs on
 * the embedded backends only (an endpoint or trainer it names fails as on a worker offering none).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createActivities } from '../../activities';
import { runOutsideTemporal } from '../../activities/context';
import type { RunConfig, StageSpec } from '../config/schema';
import { activityOfStage, boardFor } from '../config/stage-types';
import { expandStages } from '../config/stages';
import type { Blackboard, PreparedRun, StageInput, StageOutput } from '../contracts';
import { openArtifactStore } from '../store/open-store';
import type { ArtifactStore } from '../store/store';
import { StageDag, type BatchOf } from './stage-dag';

/** A stage activity given by the caller (a custom or registered stage type's implementation). */
export type StageActivity = (input: StageInput) => Promise<StageOutput>;

/** The run key of in-process runs: the store is their own. */
const RUN_KEY = 'in-process';

export interface LocalLoopOptions {
  /** Activities of stage types beyond the built-in ones, by activity name, made on the loop's store. */
  readonly stages?: (store: ArtifactStore) => Readonly<Record<string, StageActivity>>;
  readonly signal?: AbortSignal;
  /** Sees each round as soon as it ends, with the store its artifacts are in. */
  readonly onRound?: (round: LocalRound, store: ArtifactStore) => Promise<void> | void;
}

/** What one round left: its board and metrics, and each stage's wall seconds by stage id. */
export interface LocalRound {
  round: number;
  stages: StageSpec[];
  board: Blackboard;
  metrics: Record<string, number>;
  seconds: Record<string, number>;
}

/** What the whole loop left, read before the store is removed. */
export interface LocalRun {
  store: ArtifactStore;
  prepared: PreparedRun;
  rounds: LocalRound[];
  /** The policy after the last round. */
  policy: Blackboard['policy'];
  prepareSeconds: number;
}

/** Runs `config`'s loop and hands the run to `finish`, whose result is returned once the store is gone. */
export async function runLocalLoop<T>(
  config: RunConfig,
  opts: LocalLoopOptions,
  finish: (run: LocalRun) => Promise<T>,
): Promise<T> {
  const folder = await mkdtemp(path.join(tmpdir(), 'rlaif-in-process-'));
  try {
    const store = openArtifactStore(folder);
    const signal = opts.signal ?? new AbortController().signal;
    const own = createActivities({ store });
    const activities: Record<string, StageActivity> = {
      ...(own as unknown as Record<string, StageActivity>),
      ...opts.stages?.(store),
    };
    const outside = <O>(body: () => Promise<O>) => runOutsideTemporal(signal, body);
    const t0 = performance.now();
    const prepared = await outside(() => own['rlaif.prepare']({ runKey: RUN_KEY, config }));
    const run: LocalRun = { store, prepared, rounds: [], policy: prepared.initialPolicy, prepareSeconds: 0 };
    run.prepareSeconds = (performance.now() - t0) / 1000;
    let pool: Blackboard['preferencePool'];
    for (let round = 1; round <= config.rounds; round++) {
      const board: Blackboard = {
        trainPrompts: prepared.trainPrompts,
        evalPrompts: prepared.evalPrompts,
        initialPolicy: prepared.initialPolicy,
        policy: run.policy,
        ...(pool ? { preferencePool: pool } : {}),
      };
      const done = await runRound(config, round, board, (name, input) => {
        signal.throwIfAborted();
        const activity = activities[name];
        if (!activity)
          throw new Error(`no activity "${name}" in this process (give it in the stages option)`);
        return outside(() => activity(input));
      });
      run.rounds.push(done);
      run.policy = done.board.newPolicy ?? done.board.policy;
      pool = done.board.preferencePool ?? pool;
      await opts.onRound?.(done, store);
    }
    return await finish(run);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** One round's DAG with each stage or batch a direct call, timed by stage. */
async function runRound(
  config: RunConfig,
  round: number,
  board: Blackboard,
  call: (activity: string, input: StageInput) => Promise<StageOutput>,
): Promise<LocalRound> {
  const stages = expandStages(config);
  const startedAt = new Map<string, number>();
  const seconds: Record<string, number> = {};
  const dag = new StageDag(stages, config, board, {
    call: (stage: StageSpec, live: Blackboard, batch: BatchOf | undefined) =>
      call(
        activityOfStage(stage) as string,
        {
          runKey: RUN_KEY,
          round,
          stageId: stage.id,
          config,
          board: boardFor(stage, live, config),
          ...(batch ? { batch } : {}),
          ...(stage.method ? { method: stage.method } : {}),
        } as StageInput,
      ),
    report: (stage, batchesDone) => {
      if (batchesDone === 0) startedAt.set(stage.id, performance.now());
      return Promise.resolve();
    },
    settled: (stage) => {
      seconds[stage.id] = (performance.now() - (startedAt.get(stage.id) ?? performance.now())) / 1000;
      return undefined;
    },
  });
  await dag.run();
  return { round, stages, board: dag.board, metrics: dag.metrics, seconds };
}
