/**
 * The stage registry: for each stage type, one entry declaring everything the rest of the code
 * needs to know about it — the activity it runs, how it fans out into batches, the board keys it
 * reads and writes, which of its metrics add up over batches, the methods it takes, how long its
 * activity may run and which other stages it needs. The round (workflows/round.ts), the
 * in-process loop, the activities' index, the presets, the config check and the run's progress
 * all read it, so a new stage type is one entry here (or one `registerStageType` call).
 *
 * Workflow-safe: pure TypeScript with no Node and no activity code, because workflows bundle it.
 * An entry registered by a user must be registered in the workflow bundle too (a workflows file
 * that calls `registerStageType` and re-exports `temporal-rlaif/workflows`), and its activity on
 * the worker (the plugin's `stages` option).
 */
import type { Blackboard } from '../contracts';
import type { RunConfig, StageSpec } from './schema';

/** A key of the round's board. */
export type BoardKey = keyof Blackboard;

/** What a stage type declares. */
export interface StageTypeEntry {
  /** The name configs use in `stages[].type`. */
  readonly type: string;
  /** The activity a stage of this type runs; absent for `custom`, whose stages name their own. */
  readonly activity?: string;
  /** Further activities a stage of this type may run (the judge's Batch API submit and poll). */
  readonly alsoRuns?: readonly string[];
  /**
   * How many batch activities the stage fans out to, from the config and what the board holds;
   * absent (or 0): one activity for the whole stage. At most `concurrency` run at once.
   */
  readonly batches?: (config: RunConfig, board: Blackboard) => number;
  /**
   * The board keys a stage is sent (those it reads, and those its readers need to have a batch
   * output made again); absent: the whole board.
   */
  readonly reads?: (config: RunConfig) => readonly BoardKey[];
  /** The board keys its output adds (batched outputs' lists are concatenated in batch order). */
  readonly writes: readonly BoardKey[];
  /**
   * Metrics that are counts and add up over batches (and any ending in Tokens, Requests or Cost);
   * the others are rates, averaged weighted by the rows of each batch.
   */
  readonly summed?: readonly string[];
  /** The methods a stage may name (`stages[].method`); the first is the default. */
  readonly methods?: readonly string[];
  /** Minutes its activity may run when longer than `timeouts.stageMinutes` (a fine-tuning job). */
  readonly minutes?: (config: RunConfig, stage: StageSpec) => number | undefined;
  /** Stage types the graph must also have, with why. */
  readonly needs?: ReadonlyArray<{ type: string; why: string }>;
  /** Further problems of a stage of this type in its graph (a method that needs another stage). */
  readonly check?: (stage: StageSpec, index: number, types: ReadonlySet<string>) => string[];
}

/** Embedded batches resume row by row, so generation runs one wave of at most `concurrency`. */
function generateBatches(config: RunConfig, board: Blackboard): number {
  const g = config.generate;
  // Batches of batchSize prompts, but never more than maxBatches: beyond that, batches grow
  // instead, so a round's history does not grow with the dataset.
  const wanted = Math.ceil(board.trainPrompts.count / g.batchSize);
  const capped = Math.max(1, Math.min(wanted, g.maxBatches ?? wanted));
  // Every further wave of activities costs a round trip through the server, while a larger
  // embedded batch loses nothing on a crash: one wave for generation and for the judging that
  // follows it (batch per batch). An endpoint's batches are requests in flight: all of them.
  return g.endpoint ? capped : Math.min(capped, config.concurrency);
}

/** One batch per response batch: a judge batch labels the pairs of one generate batch. */
const perResponseBatch = (_config: RunConfig, board: Blackboard) => Math.max(1, board.responses?.length ?? 1);

/** A batch reader also gets what its producer read, so a corrupt batch can be made again. */
const RESPONSE_READS: readonly BoardKey[] = ['trainPrompts', 'policy', 'responses'];

/**
 * On demo data evaluation also measures the judge and the reward model against gold: it reads
 * their inputs (a scoring judge's scores, for the direct preset).
 */
const GOLD_READS: readonly BoardKey[] = [
  'trainPrompts',
  'responses',
  'preferences',
  'scores',
  'preferencePool',
];
const EVALUATE_READS: readonly BoardKey[] = [
  'evalPrompts',
  'initialPolicy',
  'policy',
  'newPolicy',
  'rewardModel',
];

/** The methods of optimize-policy: where its training signal comes from. */
export const OPTIMIZE_METHODS = ['reward-model', 'judge-score', 'dpo', 'external', 'fine-tune'] as const;

const BUILT_IN = [
  {
    type: 'generate',
    activity: 'rlaif.generate',
    batches: generateBatches,
    reads: () => ['trainPrompts', 'policy'],
    writes: ['responses'],
    summed: ['responses', 'generateDeadLetters'],
  },
  {
    type: 'judge',
    activity: 'rlaif.judge',
    alsoRuns: ['rlaif.judgeBatchSubmit', 'rlaif.judgeBatchPoll'],
    batches: perResponseBatch,
    reads: () => RESPONSE_READS,
    writes: ['preferences'],
    summed: ['pairs', 'deadLetters', 'pairsByFallback', 'judgeAnswersFromBatch', 'judgeBatchMissing'],
    needs: [{ type: 'generate', why: 'it judges generated responses' }],
  },
  {
    type: 'score',
    activity: 'rlaif.score',
    batches: perResponseBatch,
    reads: () => RESPONSE_READS,
    writes: ['scores'],
    summed: ['scored', 'deadLetters'],
    needs: [{ type: 'generate', why: 'it scores generated responses' }],
  },
  {
    type: 'train-reward',
    activity: 'rlaif.trainReward',
    writes: ['rewardModel', 'preferencePool'],
    needs: [{ type: 'judge', why: 'it trains on judged pairs' }],
  },
  {
    type: 'optimize-policy',
    activity: 'rlaif.optimizePolicy',
    writes: ['newPolicy', 'preferencePool'],
    methods: OPTIMIZE_METHODS,
    // A fine-tuning job may run for hours: its stage lasts as long as the job may, plus a margin.
    minutes: (config, stage) =>
      stage.method === 'fine-tune' && config.policy.fineTune
        ? config.policy.fineTune.timeoutHours * 60 + 30
        : undefined,
    check: (s, i, types) => {
      if (s.method === 'reward-model' && !types.has('train-reward'))
        return [`stages[${i}].method: "reward-model" needs a train-reward stage`];
      if ((s.method === 'dpo' || s.method === 'external') && !types.has('judge'))
        return [`stages[${i}].method: "${s.method}" needs a judge stage`];
      return [];
    },
  },
  {
    type: 'evaluate',
    activity: 'rlaif.evaluate',
    reads: (config) => (config.data.kind === 'demo' ? [...EVALUATE_READS, ...GOLD_READS] : EVALUATE_READS),
    writes: [],
  },
  {
    type: 'custom',
    writes: [],
    check: (s, i) =>
      s.activity ? [] : [`stages[${i}].activity: a custom stage needs the name of a registered activity`],
  },
] as const satisfies readonly StageTypeEntry[];

/** A built-in stage type. */
export type BuiltInStageType = (typeof BUILT_IN)[number]['type'];

/** The activity each built-in stage type runs (a custom stage names its own). */
export type BuiltInActivity = Exclude<(typeof BUILT_IN)[number], { type: 'custom' }>['activity'];

const registry = new Map<string, StageTypeEntry>(BUILT_IN.map((e) => [e.type, e]));

/**
 * Registers a stage type. Call it where the worker's workflows are bundled (and in the process
 * that checks configs) before any config names the type; a name taken already is an error.
 */
export function registerStageType(entry: StageTypeEntry): void {
  if (registry.has(entry.type)) throw new Error(`stage type "${entry.type}" is registered already`);
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(entry.type))
    throw new Error(
      `stage type "${entry.type}": lowercase letters, digits and dashes, starting with a letter`,
    );
  if (!entry.activity) throw new Error(`stage type "${entry.type}" needs the name of its activity`);
  registry.set(entry.type, entry);
}

/** The entry of a registered stage type, or undefined. */
export function stageTypeEntry(type: string): StageTypeEntry | undefined {
  return registry.get(type);
}

/** The entry of a stage's type; an unregistered type is a bug past the config check. */
export function entryOf(stage: StageSpec): StageTypeEntry {
  const entry = registry.get(stage.type);
  if (!entry) throw new Error(`stage "${stage.id}": no stage type "${stage.type}" is registered`);
  return entry;
}

/** The names of every registered stage type. */
export function stageTypeNames(): string[] {
  return [...registry.keys()];
}

/** What a config naming an unregistered type is told. */
export function unregisteredType(type: string): string {
  return `no stage type "${type}" is registered (registered: ${stageTypeNames().join(', ')})`;
}

/** The activity a stage runs, or undefined for a custom stage that names none. */
export function activityOfStage(stage: StageSpec): string | undefined {
  return stage.type === 'custom' ? stage.activity : registry.get(stage.type)?.activity;
}

/** Every activity a stage may run: its own and the further ones its type declares. */
export function activitiesOfStage(stage: StageSpec): string[] {
  const own = activityOfStage(stage);
  return [...(own ? [own] : []), ...(registry.get(stage.type)?.alsoRuns ?? [])];
}

/** The activity of each built-in stage type, by type. */
export const STAGE_ACTIVITY = Object.fromEntries(
  BUILT_IN.filter((e) => e.type !== 'custom').map((e) => [e.type, (e as StageTypeEntry).activity]),
) as Record<Exclude<BuiltInStageType, 'custom'>, BuiltInActivity>;

/** How many batch activities a stage fans out to (0: one activity for the whole stage). */
export function batchCountOf(stage: StageSpec, config: RunConfig, board: Blackboard): number {
  return entryOf(stage).batches?.(config, board) ?? 0;
}

/** The part of the board a stage is sent: the keys its type reads, or all of it. */
export function boardFor(stage: StageSpec, board: Blackboard, config: RunConfig): Blackboard {
  const reads = entryOf(stage).reads?.(config);
  if (!reads) return board;
  return Object.fromEntries(
    Object.entries(board).filter(([key]) => reads.includes(key as BoardKey)),
  ) as unknown as Blackboard;
}

/** Whether a metric of a stage adds up over its batches (a count) rather than being averaged. */
export function isSummedMetric(stage: StageSpec, key: string): boolean {
  return (entryOf(stage).summed ?? []).includes(key) || /(Tokens|Requests|Cost)$/.test(key);
}

/** The method a stage runs with: its own, else its type's default. */
export function methodOf(stage: StageSpec): string | undefined {
  return stage.method ?? entryOf(stage).methods?.[0];
}

/** The task queue a stage is routed to: its own, else its type's in `taskQueues` (undefined: the run's). */
export function taskQueueOf(config: RunConfig, stage: StageSpec): string | undefined {
  return stage.taskQueue ?? (config.taskQueues as Readonly<Record<string, string | undefined>>)[stage.type];
}
