/** The LLM judge's options schema, free of the openai SDK so run configs can include it. */
import { z } from 'zod';

/** Options of the LLM judges; defaults in the field docs. */
export const llmJudgeOptionsSchema = z.strictObject({
  // --- prompt
  /** Replacement template files ({pairwise, rationale, pairwiseCot, score}: paths). */
  templates: z
    .strictObject({
      pairwise: z.string().optional(),
      rationale: z.string().optional(),
      pairwiseCot: z.string().optional(),
      score: z.string().optional(),
    })
    .optional(),
  /** Replacement preamble (task and criteria); may contain {principle}. */
  preamble: z.string().optional(),
  /** Few-shot exemplars shown before each pairwise question. */
  fewShot: z
    .array(
      z.strictObject({
        prompt: z.string(),
        response1: z.string(),
        response2: z.string(),
        preferred: z.union([z.literal(1), z.literal(2)]),
        rationale: z.string().optional(),
      }),
    )
    .optional(),
  /** Few-shot exemplars shown before each scoring question. */
  fewShotScores: z
    .array(z.strictObject({ prompt: z.string(), response: z.string(), rating: z.number().min(1).max(10) }))
    .optional(),

  // --- debiasing and reasoning
  /** Judge both orders and average (default true): removes position bias. */
  swapOrder: z.boolean().default(true),
  /** Two steps: a rationale first, then the preference read after it (default false). */
  chainOfThought: z.boolean().default(false),
  /** k rationales at `rationaleTemperature`, preferences averaged (implies chainOfThought; default 1). */
  selfConsistency: z.int().positive().default(1),
  rationaleTemperature: z.number().gt(0).max(2).default(0.7),
  /** Token budget of a rationale (default 512). */
  rationaleMaxTokens: z.int().positive().default(512),

  // --- reading the answer
  /** 'auto' (logprobs when returned, else parse), 'logprobs' (required), 'parse' (never ask for logprobs). */
  answer: z.enum(['auto', 'logprobs', 'parse']).default('auto'),
  /** Parsed answers to average when no logprobs are available (default 1). */
  samples: z.int().positive().default(1),
  /** Temperature of those samples when samples > 1 (default 1). */
  sampleTemperature: z.number().min(0).max(2).default(1),
  /** Alternatives requested per position (default 20 for chat, 5 for completions). */
  topLogprobs: z.int().min(1).max(20).optional(),
  /** Token budget of the answer (default: the endpoint's maxTokens, else 8). */
  answerMaxTokens: z.int().positive().optional(),

  // --- Constitutional AI
  /** Principles; with 'sample' one per comparison, with 'ensemble' all of them averaged. */
  principles: z.array(z.string().min(1)).optional(),
  principleMode: z.enum(['sample', 'ensemble']).default('sample'),
});

/** Validated LLM judge options. */
