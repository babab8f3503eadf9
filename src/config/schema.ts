/**
 * The run configuration: one JSON document, validated with zod so a mistake fails before
 * anything starts, naming the field and what was expected. It is safe to import from workflow
 * code (no Node built-ins) and it never holds a secret: backends name environment variables.
 */
import { z } from 'zod';
import { llmJudgeOptionsSchema } from '../judges/llm-judge-options';
import { endpointConfigSchema } from '../providers/endpoint-schema';
import { stageTypeEntry, unregisteredType } from './stage-types';

const positiveInt = z.number().int().positive();
/** A count with a documented maximum: every size a config can set is bounded. */
const count = (max: number) => positiveInt.max(max);
/** Largest learning rate accepted; anything above diverges. */
const MAX_LR = 10;
/** A file on the worker: "<data root>:<path inside it>" (a plain path only on a worker that trusts run configs). */
const workerFile = z.string().min(1).max(4096);
/** Most prompts a run's data may have (train or held-out): bounds the worker's memory and time. */
export const MAX_PROMPTS = 200_000;

/** The built-in demo world: prompts and the supervised corpus generated from the seed. */
export const DemoDataSchema = z.strictObject({
  kind: z.literal('demo'),
  trainPrompts: count(MAX_PROMPTS).default(1024).describe('prompts sampled each round'),
  evalPrompts: count(MAX_PROMPTS).default(512).describe('held-out prompts for evaluation'),
  sftExamples: count(100_000).default(2000).describe('examples to fit the initial policy'),
});

/** A user's prompts as JSON Lines files (`{"id": ..., "prompt": ...}` per line), read by the worker. */
export const JsonlDataSchema = z.strictObject({
  kind: z.literal('jsonl'),
  trainFile: workerFile.describe('training prompts, "<data root>:<path>" on the worker'),
  evalFile: workerFile.describe('held-out prompts for evaluation, "<data root>:<path>" on the worker'),
  maxPromptChars: count(100_000).default(8000).describe('longest prompt accepted'),
  sftExamples: count(100_000).default(2000).describe('demo-corpus examples to fit the embedded policy'),
});

/** Where prompts come from. */
export const DataSchema = z.discriminatedUnion('kind', [DemoDataSchema, JsonlDataSchema]);

const endpointName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'a name of letters, digits, _ and -');

export const GenerateSchema = z.strictObject({
  endpoint: endpointName
    .optional()
    .describe(
      'sample from this OpenAI-compatible endpoint (a key of `endpoints`) instead of the embedded policy',
    ),
  samplesPerPrompt: z
    .number()
    .int()
    .min(2)
    .max(16)
    .default(2)
    .describe('responses sampled per prompt (pairs are formed from them)'),
  temperature: z.number().positive().max(5).default(1).describe('sampling temperature'),
  topP: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .describe('nucleus sampling (top_p) for an endpoint; the embedded policy samples the whole distribution'),
  maxTokens: z
    .number()
    .int()
    .min(2)
    .max(8192)
    .default(10)
    .describe('longest response in tokens (the embedded policy stops at its own length limit)'),
  batchSize: count(100_000)
    .default(128)
    .describe(
      'prompts per generate activity (embedded generation runs at most `concurrency` activities, one wave, with larger batches beyond)',
    ),
  maxBatches: positiveInt
    .max(1024)
    .default(32)
    .describe(
      'at most this many generate (and judge) activities per round: larger datasets get larger batches, so history stays bounded',
    ),
});

export const JudgeSchema = z.strictObject({
  kind: z
    .enum(['local', 'llm'])
    .default('local')
    .describe('the embedded lexical judge, or an LLM behind an endpoint'),
  endpoint: endpointName.optional().describe('for kind llm: the judge endpoint (a key of `endpoints`)'),
  fallbackEndpoint: endpointName
    .optional()
    .describe('for kind llm: tried once when the judge gives no usable answer'),
  minCoverage: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      'for kind llm: a judge batch in which a smaller share of pairs (or responses) got a verdict fails the run, naming its dead letters (default 0.5)',
    ),
  llm: llmJudgeOptionsSchema
    .optional()
    .describe('for kind llm: templates, chain of thought, principles, ...'),
  batchApi: z
    .strictObject({
      baseURL: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe(
          "the Batch API's base URL, only on a worker that trusts run configs (default: the judge endpoint's)",
        ),
      endpoint: endpointName
        .optional()
        .describe('a worker endpoint whose URL and key serve the Batch API (default: the judge endpoint)'),
      pollSeconds: z
        .number()
        .positive()
        .max(3600)
        .default(60)
        .describe('first wait between status checks (doubles up to 15 minutes)'),
    })
    .optional()
    .describe(
      'for kind llm: judge each batch through the OpenAI Batch API (about half the price, up to 24 h)',
    ),
  humanLabels: workerFile
    .optional()
    .describe(
      'JSONL of human-labelled pairs, "<data root>:<path>" on the worker; every round reports the judge\'s agreement with it',
    ),
  positionBias: z
    .number()
    .min(-10)
    .max(10)
    .default(-1)
    .describe('logit added to the answer shown first (negative favours the second)'),
  sharpness: z
    .number()
    .positive()
    .max(100)
    .default(1.5)
    .describe('how strongly quality differences move the preference'),
  swapOrder: z
    .boolean()
    .default(true)
    .describe('judge each pair in both orders and average (removes position bias)'),
  batchSize: count(100_000)
    .default(128)
    .describe('prompts per generate batch whose pairs one judge activity labels'),
});

export const RewardModelSchema = z.strictObject({
  kind: z
    .enum(['lexical', 'embedding', 'onnx'])
    .default('lexical')
    .describe('lexical features (embedded), embeddings from an endpoint, or a user-supplied ONNX model'),
  endpoint: endpointName
    .optional()
    .describe('for kind embedding: the embeddings endpoint (a worker endpoint)'),
  modelFile: workerFile
    .optional()
    .describe('for kind onnx: the model file, "<data root>:<path>" on the worker'),
  tokenizerFile: workerFile
    .optional()
    .describe('for kind onnx: the model\'s tokenizer.json, "<data root>:<path>" on the worker'),
  maxLength: count(8192).default(512).describe('for kind onnx: longest input in tokens'),
  epochs: count(100_000).default(200).describe('full-batch training steps'),
  lr: z.number().positive().max(MAX_LR).default(0.05).describe('Adam learning rate'),
  l2: z.number().min(0).max(100).default(0.0001).describe('L2 penalty'),
  heldOutFraction: z
    .number()
    .min(0.05)
    .max(0.5)
    .default(0.2)
    .describe('share of pairs held out to measure agreement'),
});

export const SftSchema = z.strictObject({
  epochs: count(1000).default(8).describe('passes over the supervised corpus'),
  lr: z.number().positive().max(MAX_LR).default(0.05).describe('Adam learning rate'),
});

export const OptimizerSchema = z.strictObject({
  steps: count(100_000).default(60).describe('policy-gradient steps per round'),
  promptsPerStep: count(4096).default(32).describe('prompts per step'),
  samplesPerPrompt: z
    .number()
    .int()
    .min(2)
    .max(64)
    .default(4)
    .describe('samples per prompt (leave-one-out baseline)'),
  beta: z
    .number()
    .min(0)
    .max(100)
    .default(0.2)
    .describe('KL penalty to the initial policy, per unit of reward-model logit'),
  lr: z.number().positive().max(MAX_LR).default(0.03).describe('Adam learning rate'),
  temperature: z.number().positive().max(5).default(1).describe('sampling temperature while training'),
});

export const DpoSchema = z.strictObject({
  epochs: count(1000).default(3).describe('passes over all judged pairs so far'),
  beta: z
    .number()
    .positive()
    .max(100)
    .default(0.5)
    .describe('DPO β (0.5 bounds the implied margin with soft labels)'),
  lr: z.number().positive().max(MAX_LR).default(0.02).describe('Adam learning rate'),
});

/** Direct RLAIF rewards are judge scores on [0, 1], far smaller than reward-model logits. */
export const DirectSchema = z.strictObject({
  beta: z.number().min(0).max(100).default(0.01).describe('KL penalty for the direct preset'),
  lr: z.number().positive().max(MAX_LR).default(0.03).describe('Adam learning rate for the direct preset'),
});

/** An external trainer (a TRL, OpenRLHF or verl script) the worker declares; see docs/external-trainer.md. */
export const TrainerSchema = z
  .strictObject({
    name: endpointName.optional().describe("the worker's trainer to run (a key of its `trainers`)"),
    command: z
      .array(z.string().min(1).max(4096))
      .min(1)
      .max(256)
      .optional()
      .describe('argv of the trainer (no shell), only on a worker that trusts run configs'),
    method: z.enum(['dpo', 'ppo', 'grpo', 'rloo', 'sft']).default('dpo'),
    dataFormat: z.enum(['trl-standard', 'trl-conversational']).default('trl-standard'),
    hyperparameters: z
      .record(z.string().max(128), z.union([z.number(), z.string().max(1000), z.boolean()]))
      .refine((h) => Object.keys(h).length <= 64, 'at most 64 hyperparameters')
      .default({}),
    timeoutMinutes: z
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(24 * 60)
      .describe("longest the trainer may run (the worker's own limit for it applies too)"),
  })
  .refine((t) => (t.name === undefined) !== (t.command === undefined), {
    message:
      'name the worker\'s trainer with "name" (or, on a worker that trusts run configs, give "command")',
  });

/** OpenAI-compatible fine-tuning jobs with the DPO method; see docs/openai-jobs.md. */
export const FineTuneSchema = z.strictObject({
  endpoint: endpointName.describe('the worker endpoint whose files and fine-tuning API to use'),
  baseModel: z.string().min(1).max(256).describe("the first round's policy, e.g. gpt-4.1-mini-2025-04-14"),
  suffix: z.string().min(1).max(40).optional().describe('part of the fine-tuned model names'),
  hyperparameters: z
    .strictObject({
      beta: z.union([z.number().positive().max(100), z.literal('auto')]).optional(),
      n_epochs: z.union([count(100), z.literal('auto')]).optional(),
      learning_rate_multiplier: z.union([z.number().positive().max(100), z.literal('auto')]).optional(),
      batch_size: z.union([count(4096), z.literal('auto')]).optional(),
    })
    .default({})
    .describe("DPO hyperparameters; omitted ones are the service's choice"),
  pollSeconds: z.number().positive().max(3600).default(30).describe('seconds between job polls'),
  timeoutHours: z
    .number()
    .positive()
    .max(7 * 24)
    .default(24)
    .describe('longest a job may take before the stage fails'),
});

export const PolicySchema = z.strictObject({
  sft: SftSchema.prefault({}),
  optimizer: OptimizerSchema.prefault({}),
  dpo: DpoSchema.prefault({}),
  direct: DirectSchema.prefault({}),
  trainer: TrainerSchema.optional().describe('for optimize-policy method "external"'),
  fineTune: FineTuneSchema.optional().describe(
    'for optimize-policy method "fine-tune": the policy is a served model, tuned by DPO jobs',
  ),
});

/**
 * An evaluator separate from the training judge: an LLM judge on another endpoint the worker
 * declares. A policy optimized against a judge learns that judge's flaws, so its win rate by the
 * same judge overstates it; an independent evaluator's does not.
 */
export const EvaluatorSchema = z.strictObject({
  endpoint: endpointName.describe(
    "the evaluator's endpoint (a worker endpoint), another model than the training judge's",
  ),
  llm: llmJudgeOptionsSchema
    .omit({ templates: true })
    .optional()
    .describe('how the evaluator judges: preamble, few-shot exemplars, principles, ...'),
});

export const EvaluateSchema = z.strictObject({
  temperature: z.number().positive().max(5).default(1).describe('sampling temperature for evaluation'),
  judge: EvaluatorSchema.optional().describe(
    'also judge the evaluation pairs with this evaluator, separate from the training judge (recommended for real runs)',
  ),
});

/**
 * A stage: its type is a name in the stage registry (src/config/stage-types.ts), looked up when a
 * config is parsed, so a type registered after this module loaded is accepted.
 */
export const StageSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes, starting with a letter'),
  type: z
    .string()
    .max(40)
    .refine((type) => stageTypeEntry(type) !== undefined, {
      error: (issue) => unregisteredType(String(issue.input)),
    })
    .describe(
      'generate, judge, score, train-reward, optimize-policy, evaluate, custom, or a registered type',
    ),
  after: z.array(z.string().max(40)).max(64).default([]).describe('ids of the stages that must finish first'),
  activity: z.string().min(1).max(200).optional().describe('for type custom: the registered activity name'),
  method: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/, 'a method of the stage type')
    .optional()
    .describe(
      'for optimize-policy: where the signal comes from (reward-model, judge-score, dpo, external: policy.trainer on the judged pairs; fine-tune: DPO jobs of policy.fineTune)',
    ),
  taskQueue: z.string().min(1).max(200).optional().describe('route this stage to its own worker pool'),
});
export type StageSpec = z.infer<typeof StageSchema>;

const taskQueueName = z.string().min(1).max(200);

export const TaskQueuesSchema = z.strictObject({
  generate: taskQueueName.optional(),
  judge: taskQueueName.optional(),
  score: taskQueueName.optional(),
  'train-reward': taskQueueName.optional(),
  'optimize-policy': taskQueueName.optional(),
  evaluate: taskQueueName.optional(),
  custom: taskQueueName.optional(),
});

export const TimeoutsSchema = z.strictObject({
  heartbeatSeconds: z
    .number()
    .positive()
    .max(600)
    .default(30)
    .describe('an activity silent this long is retried elsewhere'),
  stageMinutes: z
    .number()
    .positive()
    .max(24 * 60)
    .default(60)
    .describe('longest a single stage activity may run'),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .describe('attempts per activity before the run fails'),
});

/** A run's artifact namespace: a safe folder name. */
const runKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}$/, 'letters, digits, ".", "_" and "-", not starting with "."')
  .refine((k) => !k.includes('..'), 'must not contain ".."');

export const PRESETS = ['classic', 'dpo', 'direct', 'external', 'fine-tune'] as const;
export type Preset = (typeof PRESETS)[number];

export const RunConfigSchema = z.strictObject({
  name: z.string().min(1).max(80).default('rlaif-run').describe('a label shown in the UI'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1)
    .describe('seed for every sample and split'),
  rounds: z.number().int().min(1).max(10000).default(3).describe('rounds of the RLAIF loop'),
  preset: z
    .enum(PRESETS)
    .default('classic')
    .describe(
      'classic (reward model), dpo, direct (judge score as reward), external (policy.trainer on the pairs) or fine-tune (DPO jobs of policy.fineTune)',
    ),
  stages: z
    .array(StageSchema)
    .min(1)
    .max(64)
    .optional()
    .describe('an explicit stage DAG; replaces the preset'),
  runKey: runKeySchema.optional().describe('artifact namespace; defaults to the workflow id'),
  rerunOf: z
    .strictObject({
      runKey: runKeySchema.describe('the namespace of the run recomputed'),
      fromRound: z.number().int().min(1).max(10000).describe('the first round computed again'),
    })
    .optional()
    .describe(
      'set by `rlaif rerun`: reuse what the run under runKey made before fromRound, compute the rest anew',
    ),
  concurrency: positiveInt.max(64).default(4).describe('batch activities in flight at once'),
  continueAsNewEvery: count(10_000)
    .optional()
    .describe('continue-as-new after every N rounds (it also happens whenever Temporal suggests it)'),
  data: DataSchema.prefault({ kind: 'demo' }),
  generate: GenerateSchema.prefault({}),
  judge: JudgeSchema.prefault({}),
  rewardModel: RewardModelSchema.prefault({}),
  policy: PolicySchema.prefault({}),
  evaluate: EvaluateSchema.prefault({}),
  endpoints: z
    .record(endpointName, endpointConfigSchema)
    .refine((e) => Object.keys(e).length <= 32, 'at most 32 endpoints')
    .default({})
    .describe(
      "endpoints declared inline, used only by a worker that trusts run configs; otherwise stages name the worker's endpoints",
    ),
  budget: z
    .strictObject({
      maxTokens: count(Number.MAX_SAFE_INTEGER)
        .optional()
        .describe('endpoint tokens (prompt + completion) the run may spend'),
      maxCost: z
        .number()
        .positive()
        .max(1e12)
        .optional()
        .describe("money the run may spend, from the endpoints' price tables"),
    })
    .optional()
    .describe(
      'at the cap the run pauses until the raiseBudget update raises it or stopAfterRound ends the run',
    ),
  taskQueues: TaskQueuesSchema.prefault({}),
  timeouts: TimeoutsSchema.prefault({}),
});

/** A validated run configuration with every default filled in. */
export type RunConfig = z.infer<typeof RunConfigSchema>;
/** What a user writes: every field optional where a default exists. */
export type RunConfigInput = z.input<typeof RunConfigSchema>;
