"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RunConfigSchema = exports.PRESETS = exports.TimeoutsSchema = exports.TaskQueuesSchema = exports.StageSchema = exports.STAGE_TYPES = exports.EvaluateSchema = exports.PolicySchema = exports.DpoSchema = exports.OptimizerSchema = exports.SftSchema = exports.RewardModelSchema = exports.JudgeSchema = exports.GenerateSchema = exports.DataSchema = void 0;
/**
 * The run configuration: one JSON document, validated with zod so a mistake fails before
 * anything starts, naming the field and what was expected. It is safe to import from workflow
 * code (no Node built-ins) and it never holds a secret: backends name environment variables.
 */
const zod_1 = require("zod");
const positiveInt = zod_1.z.number().int().positive();
const probability = zod_1.z.number().min(0).max(1);
/** Where prompts and the supervised corpus come from. */
exports.DataSchema = zod_1.z
    .strictObject({
    kind: zod_1.z.literal('demo').describe('the built-in demo world, generated from the seed'),
    trainPrompts: positiveInt.default(128).describe('prompts sampled each round'),
    evalPrompts: positiveInt.default(256).describe('held-out prompts for evaluation'),
    sftExamples: positiveInt.default(2000).describe('examples to fit the initial policy'),
})
    .describe('the prompt data');
exports.GenerateSchema = zod_1.z.strictObject({
    samplesPerPrompt: zod_1.z.number().int().min(2).max(16).default(2).describe('responses sampled per prompt (pairs are formed from them)'),
    temperature: zod_1.z.number().positive().max(5).default(1).describe('sampling temperature'),
    maxTokens: zod_1.z.number().int().min(2).max(64).default(12).describe('longest response in tokens'),
    batchSize: positiveInt.default(32).describe('prompts per generate activity'),
});
exports.JudgeSchema = zod_1.z.strictObject({
    kind: zod_1.z.literal('local').default('local').describe('the embedded lexical judge'),
    positionBias: zod_1.z.number().min(-10).max(10).default(-1).describe('logit added to the answer shown first (negative favours the second)'),
    sharpness: zod_1.z.number().positive().default(1.5).describe('how strongly quality differences move the preference'),
    swapOrder: zod_1.z.boolean().default(true).describe('judge each pair in both orders and average (removes position bias)'),
    batchSize: positiveInt.default(32).describe('pairs per judge activity'),
});
exports.RewardModelSchema = zod_1.z.strictObject({
    epochs: positiveInt.default(300).describe('full-batch training steps'),
    lr: zod_1.z.number().positive().default(0.05).describe('Adam learning rate'),
    l2: zod_1.z.number().min(0).default(0.001).describe('L2 penalty'),
    heldOutFraction: zod_1.z.number().min(0.05).max(0.5).default(0.2).describe('share of pairs held out to measure agreement'),
});
exports.SftSchema = zod_1.z.strictObject({
    epochs: positiveInt.default(3).describe('passes over the supervised corpus'),
    lr: zod_1.z.number().positive().default(0.05).describe('Adam learning rate'),
});
exports.OptimizerSchema = zod_1.z.strictObject({
    steps: positiveInt.default(30).describe('policy-gradient steps per round'),
    promptsPerStep: positiveInt.default(32).describe('prompts per step'),
    samplesPerPrompt: zod_1.z.number().int().min(2).default(4).describe('samples per prompt (leave-one-out baseline)'),
    beta: zod_1.z.number().min(0).default(0.05).describe('KL penalty to the initial policy'),
    lr: zod_1.z.number().positive().default(0.05).describe('Adam learning rate'),
    temperature: zod_1.z.number().positive().default(1).describe('sampling temperature while training'),
});
exports.DpoSchema = zod_1.z.strictObject({
    epochs: positiveInt.default(20).describe('passes over the round’s pairs'),
    beta: zod_1.z.number().positive().default(0.1).describe('DPO β'),
    lr: zod_1.z.number().positive().default(0.05).describe('Adam learning rate'),
});
exports.PolicySchema = zod_1.z.strictObject({
    sft: exports.SftSchema.prefault({}),
    optimizer: exports.OptimizerSchema.prefault({}),
    dpo: exports.DpoSchema.prefault({}),
});
exports.EvaluateSchema = zod_1.z.strictObject({
    temperature: zod_1.z.number().positive().default(1).describe('sampling temperature for evaluation'),
});
/** The kinds of built-in stage; `custom` runs an activity the user registered through the plugin. */
exports.STAGE_TYPES = ['generate', 'judge', 'score', 'train-reward', 'optimize-policy', 'evaluate', 'custom'];
exports.StageSchema = zod_1.z.strictObject({
    id: zod_1.z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes, starting with a letter'),
    type: zod_1.z.enum(exports.STAGE_TYPES),
    after: zod_1.z.array(zod_1.z.string()).default([]).describe('ids of the stages that must finish first'),
    activity: zod_1.z.string().min(1).optional().describe('for type custom: the registered activity name'),
    method: zod_1.z.enum(['reward-model', 'judge-score', 'dpo']).optional().describe('for optimize-policy: where the signal comes from'),
    taskQueue: zod_1.z.string().min(1).optional().describe('route this stage to its own worker pool'),
});
exports.TaskQueuesSchema = zod_1.z.strictObject({
    generate: zod_1.z.string().min(1).optional(),
    judge: zod_1.z.string().min(1).optional(),
    score: zod_1.z.string().min(1).optional(),
    'train-reward': zod_1.z.string().min(1).optional(),
    'optimize-policy': zod_1.z.string().min(1).optional(),
    evaluate: zod_1.z.string().min(1).optional(),
    custom: zod_1.z.string().min(1).optional(),
});
exports.TimeoutsSchema = zod_1.z.strictObject({
    heartbeatSeconds: zod_1.z.number().positive().max(600).default(30).describe('an activity silent this long is retried elsewhere'),
    stageMinutes: zod_1.z.number().positive().max(24 * 60).default(60).describe('longest a single stage activity may run'),
    maxAttempts: zod_1.z.number().int().min(1).max(1000).default(20).describe('attempts per activity before the run fails'),
});
exports.PRESETS = ['classic', 'dpo', 'direct'];
exports.RunConfigSchema = zod_1.z.strictObject({
    name: zod_1.z.string().min(1).max(80).default('rlaif-run').describe('a label shown in the UI'),
    seed: zod_1.z.number().int().min(0).max(2 ** 31 - 1).default(1).describe('seed for every sample and split'),
    rounds: zod_1.z.number().int().min(1).max(10000).default(3).describe('rounds of the RLAIF loop'),
    preset: zod_1.z.enum(exports.PRESETS).default('classic').describe('classic (reward model), dpo, or direct (judge score as reward)'),
    stages: zod_1.z.array(exports.StageSchema).min(1).optional().describe('an explicit stage DAG; replaces the preset'),
    runKey: zod_1.z.string().regex(/^[A-Za-z0-9._-]{1,120}$/).optional().describe('artifact namespace; defaults to the workflow id'),
    concurrency: positiveInt.max(64).default(4).describe('batch activities in flight at once'),
    data: exports.DataSchema.prefault({ kind: 'demo' }),
    generate: exports.GenerateSchema.prefault({}),
    judge: exports.JudgeSchema.prefault({}),
    rewardModel: exports.RewardModelSchema.prefault({}),
    policy: exports.PolicySchema.prefault({}),
    evaluate: exports.EvaluateSchema.prefault({}),
    taskQueues: exports.TaskQueuesSchema.prefault({}),
    timeouts: exports.TimeoutsSchema.prefault({}),
});
//# sourceMappingURL=schema.js.map