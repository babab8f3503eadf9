/**
 * A run's faults, chosen from a seed: where (round and stage) each fault strikes and its
 * parameters. The same seed always gives the same plan, so a failing chaos run can be replayed.
 */
import { STAGE_ACTIVITY } from '../config/stages';
import { Rng, seedFrom } from '../util/rng';

/** The stages of the classic preset, in the order a round runs them. */
export const STAGES = ['generate', 'judge', 'train-reward', 'optimize-policy', 'evaluate'] as const;
export type Stage = (typeof STAGES)[number];

/** The activity each stage runs as (what the round workflow schedules). */
export const ACTIVITY_OF_STAGE: Record<Stage, string> = STAGE_ACTIVITY;

/** Faults the suite injects itself (endpoint faults come from the fault proxy's own plan). */
export type PlannedKind =
  | 'kill-worker'
  | 'kill-on-commit'
  | 'server-restart'
  | 'disk-full'
  | 'read-only'
  | 'corrupt-artifact'
  | 'corrupt-prepared'
  | 'corrupt-policy'
  | 'corrupt-partial'
  | 's3-restart'
  | 's3-throttle'
  | 'kill-mid-upload';

export interface PlannedFault {
  kind: PlannedKind;
  round: number;
  stage: Stage;
  /** kill-on-commit: the replacement worker dies at this commit of its own. */
  commit?: number;
  /** corrupt-artifact: which batch output of the stage gets flipped bytes (index from the front). */
  batch?: number;
}

/** Faults that edit the store's files or its disk: only where the store is a local folder. */
const LOCAL_STORE_ONLY: PlannedKind[] = [
  'corrupt-artifact',
  'corrupt-prepared',
  'corrupt-policy',
  'corrupt-partial',
  'disk-full',
  'read-only',
];

/**
 * The order faults of one slot are applied in: throttling lasts a while from the stage's start,
 * corruption needs an early batch, kills come last.
 */
const ORDER: PlannedKind[] = [
  's3-throttle',
  ...LOCAL_STORE_ONLY,
  'server-restart',
  's3-restart',
  'kill-mid-upload',
  'kill-on-commit',
  'kill-worker',
];

/** Stages whose outputs include a checkpoint (the policy, the reward model): they upload multipart. */
export const CHECKPOINT_STAGES = ['train-reward', 'optimize-policy'] as const;

export interface PlanOptions {
  rounds: number;
  /** Whether the store can really fill up or turn read-only (it is a tmpfs of its own). */
  diskFaults: boolean;
  /** Batches of the batched stages (generate and judge) per round. */
  batches: number;
  /** The store is S3: its own faults instead of those that edit a local folder or disk. */
  s3?: boolean;
}

/**
 * Every stage is killed once (in a round drawn from the seed); on top of that one commit kill,
 * one server restart, one corrupted batch output (of generate, read by judge)
 * and, when possible, one full or read-only disk, each at a slot drawn from the seed.
 */
export function planFaults(seed: number, opts: PlanOptions): PlannedFault[] {
  const rng = new Rng(seedFrom(seed, 'chaos-plan'));
  const pick = <T>(xs: readonly T[]): T => rng.pick(xs);
  const rounds = Array.from({ length: opts.rounds }, (_, i) => i + 1);
  const faults: PlannedFault[] = STAGES.map((stage) => ({ kind: 'kill-worker', round: pick(rounds), stage }));
  faults.push({ kind: 'kill-on-commit', round: pick(rounds), stage: pick(STAGES), commit: 1 + rng.int(3) });
  faults.push({ kind: 'server-restart', round: pick(rounds), stage: pick(STAGES) });
  // Not the last batch: the flip must land while another batch of the stage still runs.
  const early = Math.max(1, opts.batches - 1);
  const round = pick(rounds);
  // Judge batches now finish within milliseconds of each other (a batch is judged whole and
  // committed once), leaving no moment to flip one before train-reward reads it; generation
  // batches overlap for a batch's length. The stage draw is kept so the rest of a seed's plan
  // stays as it was.
  pick(['generate', 'judge'] as const);
  faults.push({ kind: 'corrupt-artifact', round, stage: 'generate', batch: rng.int(early) });
  if (opts.diskFaults)
    faults.push({
      kind: pick(['disk-full', 'read-only'] as const),
      round: pick(rounds),
      stage: pick(STAGES),
    });
  // Artifacts that are not batches, read by the next round: the prepared prompts (flipped while
  // round 1 evaluates, read by round 2's generate) and round 1's policy (flipped while round 2
  // trains its reward model, read by round 2's optimizer). Fixed slots: the seed's draws above
  // stay as they were.
  if (opts.rounds >= 2) {
    faults.push({ kind: 'corrupt-prepared', round: 1, stage: 'evaluate' });
    faults.push({ kind: 'corrupt-policy', round: 2, stage: 'train-reward' });
  }
  // A row of a half-finished batch edited (still valid JSON), then the worker killed: the retry
  // resumes from that partial file and must recompute the row, never commit it.
  faults.push({ kind: 'corrupt-partial', round: opts.rounds, stage: 'generate' });
  const all = opts.s3
    ? [...faults.filter((f) => !LOCAL_STORE_ONLY.includes(f.kind)), ...s3Faults(seed, opts)]
    : faults;
  return all.sort(
    (a, b) =>
      a.round - b.round ||
      STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage) ||
      ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind),
  );
}

/**
 * An S3 store's faults, from a draw of their own (so the rest of a seed's plan is the same with
 * either store): the S3 server killed and restarted under a commit, a while of 503 SlowDown
 * throttling, and a worker killed while it uploads a checkpoint in parts.
 */
function s3Faults(seed: number, opts: PlanOptions): PlannedFault[] {
  const rng = new Rng(seedFrom(seed, 'chaos-plan-s3'));
  const rounds = Array.from({ length: opts.rounds }, (_, i) => i + 1);
  return [
    { kind: 's3-restart', round: rng.pick(rounds), stage: rng.pick(STAGES) },
    { kind: 's3-throttle', round: rng.pick(rounds), stage: rng.pick(STAGES) },
    { kind: 'kill-mid-upload', round: rng.pick(rounds), stage: rng.pick(CHECKPOINT_STAGES) },
  ];
}
