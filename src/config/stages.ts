/**
 * The round's stage DAG. Presets expand to the three shapes of the RLAIF literature; a user may
 * instead list stages, including `custom` ones that call an activity registered through the
 * plugin (for instance a filter between judge and reward-model training).
 */
import type { Preset, RunConfig, StageSpec } from './schema';
import { entryOf, methodOf, stageTypeEntry, unregisteredType, type BuiltInStageType } from './stage-types';

const stage = (
  id: string,
  type: BuiltInStageType,
  after: string[],
  extra: Partial<StageSpec> = {},
): StageSpec => ({
  id,
  type,
  after,
  ...extra,
});

export { activityOfStage, STAGE_ACTIVITY } from './stage-types';

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

/** Whether the policy is a served model (tuned by fine-tuning jobs) rather than an embedded checkpoint. */
export function usesServedPolicy(config: RunConfig): boolean {
  return expandStages(config).some((s) => s.type === 'optimize-policy' && s.method === 'fine-tune');
}

/** The stages a config runs, with defaults filled in (each type's default method). */
export function expandStages(config: RunConfig): StageSpec[] {
  const stages = config.stages ?? presetStages(config.preset);
  return stages.map((s) => {
    const method = !s.method && stageTypeEntry(s.type) ? methodOf(s) : undefined;
    return method ? { ...s, method } : s;
  });
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
    problems.push(...checkStageType(s, i));
  });
  if (problems.length === 0 && topologicalOrder(stages) === undefined) {
    problems.push('stages: the "after" links form a cycle');
  }
  const types = new Set<string>(stages.map((s) => s.type));
  const missing = new Set<string>();
  for (const s of stages) {
    for (const need of stageTypeEntry(s.type)?.needs ?? []) {
      const line = `stages: a ${s.type} stage needs a ${need.type} stage (${need.why})`;
      if (!types.has(need.type) && !missing.has(line)) missing.add(line);
    }
  }
  problems.push(...missing);
  stages.forEach((s, i) => {
    if (stageTypeEntry(s.type)) problems.push(...(entryOf(s).check?.(s, i, types) ?? []));
  });
  return problems;
}

/** Problems of one stage against its type's entry: an unregistered type, a stray activity or method. */
function checkStageType(s: StageSpec, i: number): string[] {
  const entry = stageTypeEntry(s.type);
  if (!entry) return [`stages[${i}].type: ${unregisteredType(s.type)}`];
  const problems: string[] = [];
  if (s.type !== 'custom' && s.activity)
    problems.push(`stages[${i}].activity: only custom stages name an activity`);
  if (s.method && !entry.methods) problems.push(`stages[${i}].method: a ${s.type} stage takes no method`);
  else if (s.method && !entry.methods?.includes(s.method))
    problems.push(
      `stages[${i}].method: "${s.method}" is not a method of ${s.type} (${entry.methods?.join(', ')})`,
    );
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
