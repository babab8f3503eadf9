/**
 * The run configuration: one JSON document, validated with zod so a mistake fails before
 * anything starts, naming the field and what was expected. It is safe to import from workflow
 * code (no Node built-ins) and it never holds a secret: backends name environment variables.
 */
import { z } from 'zod';
/** Where prompts and the supervised corpus come from. */
export declare const DataSchema: z.ZodObject<{
    kind: z.ZodLiteral<"demo">;
    trainPrompts: z.ZodDefault<z.ZodNumber>;
    evalPrompts: z.ZodDefault<z.ZodNumber>;
    sftExamples: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
export declare const GenerateSchema: z.ZodObject<{
    samplesPerPrompt: z.ZodDefault<z.ZodNumber>;
    temperature: z.ZodDefault<z.ZodNumber>;
    maxTokens: z.ZodDefault<z.ZodNumber>;
    batchSize: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
export declare const JudgeSchema: z.ZodObject<{
    kind: z.ZodDefault<z.ZodLiteral<"local">>;
    positionBias: z.ZodDefault<z.ZodNumber>;
    sharpness: z.ZodDefault<z.ZodNumber>;
    swapOrder: z.ZodDefault<z.ZodBoolean>;
    batchSize: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
export declare const RewardModelSchema: z.ZodObject<{
    epochs: z.ZodDefault<z.ZodNumber>;
    lr: z.ZodDefault<z.ZodNumber>;
    l2: z.ZodDefault<z.ZodNumber>;
    heldOutFraction: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
export declare const SftSchema: z.ZodObject<{
    epochs: z.ZodDefault<z.ZodNumber>;
    lr: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
export declare const OptimizerSchema: z.ZodObject<{
    steps: z.ZodDefault<z.ZodNumber>;
    promptsPerStep: z.ZodDefault<z.ZodNumber>;
    samplesPerPrompt: z.ZodDefault<z.ZodNumber>;
    beta: z.ZodDefault<z.ZodNumber>;
    lr: z.ZodDefault<z.ZodNumber>;
    temperature: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
export declare const DpoSchema: z.ZodObject<{
    epochs: z.ZodDefault<z.ZodNumber>;
    beta: z.ZodDefault<z.ZodNumber>;
    lr: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
export declare const PolicySchema: z.ZodObject<{
    sft: z.ZodPrefault<z.ZodObject<{
        epochs: z.ZodDefault<z.ZodNumber>;
        lr: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
    optimizer: z.ZodPrefault<z.ZodObject<{
        steps: z.ZodDefault<z.ZodNumber>;
        promptsPerStep: z.ZodDefault<z.ZodNumber>;
        samplesPerPrompt: z.ZodDefault<z.ZodNumber>;
        beta: z.ZodDefault<z.ZodNumber>;
        lr: z.ZodDefault<z.ZodNumber>;
        temperature: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
    dpo: z.ZodPrefault<z.ZodObject<{
        epochs: z.ZodDefault<z.ZodNumber>;
        beta: z.ZodDefault<z.ZodNumber>;
        lr: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
}, z.core.$strict>;
export declare const EvaluateSchema: z.ZodObject<{
    temperature: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
/** The kinds of built-in stage; `custom` runs an activity the user registered through the plugin. */
export declare const STAGE_TYPES: readonly ["generate", "judge", "score", "train-reward", "optimize-policy", "evaluate", "custom"];
export type StageType = (typeof STAGE_TYPES)[number];
export declare const StageSchema: z.ZodObject<{
    id: z.ZodString;
    type: z.ZodEnum<{
        generate: "generate";
        judge: "judge";
        score: "score";
        "train-reward": "train-reward";
        "optimize-policy": "optimize-policy";
        evaluate: "evaluate";
        custom: "custom";
    }>;
    after: z.ZodDefault<z.ZodArray<z.ZodString>>;
    activity: z.ZodOptional<z.ZodString>;
    method: z.ZodOptional<z.ZodEnum<{
        dpo: "dpo";
        "reward-model": "reward-model";
        "judge-score": "judge-score";
    }>>;
    taskQueue: z.ZodOptional<z.ZodString>;
}, z.core.$strict>;
export type StageSpec = z.infer<typeof StageSchema>;
export declare const TaskQueuesSchema: z.ZodObject<{
    generate: z.ZodOptional<z.ZodString>;
    judge: z.ZodOptional<z.ZodString>;
    score: z.ZodOptional<z.ZodString>;
    'train-reward': z.ZodOptional<z.ZodString>;
    'optimize-policy': z.ZodOptional<z.ZodString>;
    evaluate: z.ZodOptional<z.ZodString>;
    custom: z.ZodOptional<z.ZodString>;
}, z.core.$strict>;
export declare const TimeoutsSchema: z.ZodObject<{
    heartbeatSeconds: z.ZodDefault<z.ZodNumber>;
    stageMinutes: z.ZodDefault<z.ZodNumber>;
    maxAttempts: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
export declare const PRESETS: readonly ["classic", "dpo", "direct"];
export type Preset = (typeof PRESETS)[number];
export declare const RunConfigSchema: z.ZodObject<{
    name: z.ZodDefault<z.ZodString>;
    seed: z.ZodDefault<z.ZodNumber>;
    rounds: z.ZodDefault<z.ZodNumber>;
    preset: z.ZodDefault<z.ZodEnum<{
        dpo: "dpo";
        classic: "classic";
        direct: "direct";
    }>>;
    stages: z.ZodOptional<z.ZodArray<z.ZodObject<{
        id: z.ZodString;
        type: z.ZodEnum<{
            generate: "generate";
            judge: "judge";
            score: "score";
            "train-reward": "train-reward";
            "optimize-policy": "optimize-policy";
            evaluate: "evaluate";
            custom: "custom";
        }>;
        after: z.ZodDefault<z.ZodArray<z.ZodString>>;
        activity: z.ZodOptional<z.ZodString>;
        method: z.ZodOptional<z.ZodEnum<{
            dpo: "dpo";
            "reward-model": "reward-model";
            "judge-score": "judge-score";
        }>>;
        taskQueue: z.ZodOptional<z.ZodString>;
    }, z.core.$strict>>>;
    runKey: z.ZodOptional<z.ZodString>;
    concurrency: z.ZodDefault<z.ZodNumber>;
    data: z.ZodPrefault<z.ZodObject<{
        kind: z.ZodLiteral<"demo">;
        trainPrompts: z.ZodDefault<z.ZodNumber>;
        evalPrompts: z.ZodDefault<z.ZodNumber>;
        sftExamples: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
    generate: z.ZodPrefault<z.ZodObject<{
        samplesPerPrompt: z.ZodDefault<z.ZodNumber>;
        temperature: z.ZodDefault<z.ZodNumber>;
        maxTokens: z.ZodDefault<z.ZodNumber>;
        batchSize: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
    judge: z.ZodPrefault<z.ZodObject<{
        kind: z.ZodDefault<z.ZodLiteral<"local">>;
        positionBias: z.ZodDefault<z.ZodNumber>;
        sharpness: z.ZodDefault<z.ZodNumber>;
        swapOrder: z.ZodDefault<z.ZodBoolean>;
        batchSize: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
    rewardModel: z.ZodPrefault<z.ZodObject<{
        epochs: z.ZodDefault<z.ZodNumber>;
        lr: z.ZodDefault<z.ZodNumber>;
        l2: z.ZodDefault<z.ZodNumber>;
        heldOutFraction: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
    policy: z.ZodPrefault<z.ZodObject<{
        sft: z.ZodPrefault<z.ZodObject<{
            epochs: z.ZodDefault<z.ZodNumber>;
            lr: z.ZodDefault<z.ZodNumber>;
        }, z.core.$strict>>;
        optimizer: z.ZodPrefault<z.ZodObject<{
            steps: z.ZodDefault<z.ZodNumber>;
            promptsPerStep: z.ZodDefault<z.ZodNumber>;
            samplesPerPrompt: z.ZodDefault<z.ZodNumber>;
            beta: z.ZodDefault<z.ZodNumber>;
            lr: z.ZodDefault<z.ZodNumber>;
            temperature: z.ZodDefault<z.ZodNumber>;
        }, z.core.$strict>>;
        dpo: z.ZodPrefault<z.ZodObject<{
            epochs: z.ZodDefault<z.ZodNumber>;
            beta: z.ZodDefault<z.ZodNumber>;
            lr: z.ZodDefault<z.ZodNumber>;
        }, z.core.$strict>>;
    }, z.core.$strict>>;
    evaluate: z.ZodPrefault<z.ZodObject<{
        temperature: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
    taskQueues: z.ZodPrefault<z.ZodObject<{
        generate: z.ZodOptional<z.ZodString>;
        judge: z.ZodOptional<z.ZodString>;
        score: z.ZodOptional<z.ZodString>;
        'train-reward': z.ZodOptional<z.ZodString>;
        'optimize-policy': z.ZodOptional<z.ZodString>;
        evaluate: z.ZodOptional<z.ZodString>;
        custom: z.ZodOptional<z.ZodString>;
    }, z.core.$strict>>;
    timeouts: z.ZodPrefault<z.ZodObject<{
        heartbeatSeconds: z.ZodDefault<z.ZodNumber>;
        stageMinutes: z.ZodDefault<z.ZodNumber>;
        maxAttempts: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
}, z.core.$strict>;
/** A validated run configuration with every default filled in. */
export type RunConfig = z.infer<typeof RunConfigSchema>;
/** What a user writes: every field optional where a default exists. */
export type RunConfigInput = z.input<typeof RunConfigSchema>;
