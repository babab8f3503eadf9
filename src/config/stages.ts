/**
 * The round's stage DAG. Presets expand to the three shapes of the RLAIF literature; a user may
 * instead list stages, including `custom` ones that call an activity registered through the
 * plugin (for instance a filter between judge and reward-model training).
 */
import type { Preset, RunConfig, StageSpec } from './schema';

const stage = (
  id: string,
  type: StageSpec['type'],
  after: string[],
  extra: Partial<StageSpec> = {},
): StageSpec => ({
  id,
  type,
  after,
  ...extra,
});

/** The activity each built-in stage type runs (a custom stage names its own). */
export const STAGE_ACTIVITY = {
  generate: 'rlaif.generate',
  judge: 'rlaif.judge',
  score: 'rlaif.score',
  'train-reward': 'rlaif.trainReward',
  'optimize-policy': 'rlaif.optimizePolicy',
  evaluate: 'rlaif.evaluate',
} as const satisfies Record<Exclude<StageSpec['type'], 'custom'>, string>;

/** The activity a stage runs, or undefined for a custom stage that names none. */
export function activityOfStage(stage: StageSpec): string | undefined {
  return stage.type === 'custom' ? stage.activity : STAGE_ACTIVITY[stage.type];
}

/** The stage list of each preset. */
export function presetStages(preset: Preset): StageSpec[] {
  switch (preset) {
    case 'classic':
      return [
        stage('generate', 'generate', []),
        stage('judge', 'judge', ['generate']),
        stage('train-reward', 'train-reward', ['judge']),
        stage('optimize-policy', 'optimize-policy', ['train-reward'], { method: 'reward-model' }),
        stage('evaluate', 'evaluate', ['optimize-policy']),
      ];
    case 'dpo':
      return [
        stage('generate', 'generate', []),
        stage('judge', 'judge', ['generate']),
        stage('optimize-policy', 'optimize-policy', ['judge'], { method: 'dpo' }),
        stage('evaluate', 'evaluate', ['optimize-policy']),
      ];
    case 'external':
      return [
        stage('generate', 'generate', []),
        stage('judge', 'judge', ['generate']),
        stage('optimize-policy', 'optimize-policy', ['judge'], { method: 'external' }),
        stage('evaluate', 'evaluate', ['optimize-policy']),
      ];
    case 'fine-tune':
      return [
        stage('generate', 'generate', []),
        stage('judge', 'judge', ['generate']),
        stage('optimize-policy', 'optimize-policy', ['judge'], { method: 'fine-tune' }),
        stage('evaluate', 'evaluate', ['optimize-policy']),
      ];
    case 'direct':
      return [
        stage('generate', 'generate', []),
        stage('score', 'score', ['generate']),
        stage('optimize-policy', 'optimize-policy', ['score'], { method: 'judge-score' }),
        stage('evaluate', 'evaluate', ['optimize-policy']),
      ];
  }
}

/** The stages a config runs, with defaults filled in (optimize-policy's method). */
/** Whether the policy is a served model (tuned by fine-tuning jobs) rather than an embedded checkpoint. */
export function usesServedPolicy(config: RunConfig): boolean {
  return expandStages(config).some((s) => s.type === 'optimize-policy' && s.method === 'fine-tune');
}

export function expandStages(config: RunConfig): StageSpec[] {
  const stages = config.stages ?? presetStages(config.preset);
  return stages.map((s) =>
    s.type === 'optimize-policy' && !s.method ? { ...s, method: 'reward-model' as const } : s,
  );
}

/** Problems with a stage graph: unknown or duplicate ids, cycles, missing activity names. */
export function checkStageGraph(stages: StageSpec[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  stages.forEach((s, i) => {
    if (ids.has(s.id)) problems.push(`stages[${i}].id: duplicate stage id "${s.id}"`);
    ids.add(s.id);
  });
  stages.forEach((s, i) => {
    s.after.forEach((dep, j) => {
      if (!ids.has(dep)) problems.push(`stages[${i}].after[${j}]: no stage has id "${dep}"`);
      if (dep === s.id) problems.push(`stages[${i}].after[${j}]: a stage cannot wait for itself`);
    });
    if (s.type === 'custom' && !s.activity) {
      problems.push(`stages[${i}].activity: a custom stage needs the name of a registered activity`);
    }
    if (s.type !== 'custom' && s.activity) {
      problems.push(`stages[${i}].activity: only custom stages name an activity`);
    }
    if (s.type !== 'optimize-policy' && s.method) {
      problems.push(`stages[${i}].method: only optimize-policy stages take a method`);
    }
  });
  if (problems.length === 0 && topologicalOrder(stages) === undefined) {
    problems.push('stages: the "after" links form a cycle');
  }
  const types = new Set(stages.map((s) => s.type));
  const needs = (type: StageSpec['type'], dep: StageSpec['type'], why: string) => {
    if (types.has(type) && !types.has(dep))
      problems.push(`stages: a ${type} stage needs a ${dep} stage (${why})`);
  };
  needs('judge', 'generate', 'it judges generated responses');
  needs('score', 'generate', 'it scores generated responses');
  needs('train-reward', 'judge', 'it trains on judged pairs');
  stages.forEach((s, i) => {
    if (s.type === 'optimize-policy' && s.method === 'reward-model' && !types.has('train-reward')) {
      problems.push(`stages[${i}].method: "reward-model" needs a train-reward stage`);
    }
    if (
      s.type === 'optimize-policy' &&
      (s.method === 'dpo' || s.method === 'external') &&
      !types.has('judge')
    ) {
      problems.push(`stages[${i}].method: "${s.method}" needs a judge stage`);
    }
  });
  return problems;
}

/** Stage ids in an order that respects `after`, or undefined when there is a cycle. */
export function topologicalOrder(stages: StageSpec[]): string[] | undefined {
  const order: string[] = [];
  const done = new Set<string>();
  let progressed = true;
  while (order.length < stages.length && progressed) {
    progressed = false;
    for (const s of stages) {
      if (!done.has(s.id) && s.after.every((d) => done.has(d))) {
        done.add(s.id);
        order.push(s.id);
        progressed = true;
      }
    }
  }
  return order.length === stages.length ? order : undefined;
}
