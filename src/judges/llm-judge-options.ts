/** The LLM judge's options schema, free of the openai SDK so run configs can include it. */
import { z } from 'zod';

/** Longest preamble, exemplar or principle text, in characters. */
const MAX_TEXT = 20_000;
/** Most few-shot exemplars of one kind. */
const MAX_EXEMPLARS = 32;

/** Options of the LLM judges; defaults in the field docs. */
export const llmJudgeOptionsSchema = z.strictObject({
  // --- prompt
  /** Replacement template files ({pairwise, rationale, pairwiseCot, score}: "<data root>:<path>"). */
  templates: z
    .strictObject({
      pairwise: z.string().max(4096).optional(),
      rationale: z.string().max(4096).optional(),
      pairwiseCot: z.string().max(4096).optional(),
      score: z.string().max(4096).optional(),
    })
    .optional(),
  /** Replacement preamble (task and criteria); may contain {principle}. */
  preamble: z.string().max(MAX_TEXT).optional(),
  /** Few-shot exemplars shown before each pairwise question. */
  fewShot: z
    .array(
      z.strictObject({
        prompt: z.string().max(MAX_TEXT),
        response1: z.string().max(MAX_TEXT),
        response2: z.string().max(MAX_TEXT),
        preferred: z.union([z.literal(1), z.literal(2)]),
        rationale: z.string().max(MAX_TEXT).optional(),
      }),
    )
    .max(MAX_EXEMPLARS)
    .optional(),
  /** Few-shot exemplars shown before each scoring question. */
  fewShotScores: z
    .array(
      z.strictObject({
        prompt: z.string().max(MAX_TEXT),
        response: z.string().max(MAX_TEXT),
        rating: z.number().min(1).max(10),
      }),
    )
    .max(MAX_EXEMPLARS)
    .optional(),

  // --- debiasing and reasoning
  /** Judge both orders and average (default true): removes position bias. */
  swapOrder: z.boolean().default(true),
  /** Two steps: a rationale first, then the preference read after it (default false). */
  chainOfThought: z.boolean().default(false),
  /** k rationales at `rationaleTemperature`, preferences averaged (implies chainOfThought; default 1). */
  selfConsistency: z.int().positive().max(16).default(1),
  rationaleTemperature: z.number().gt(0).max(2).default(0.7),
  /** Token budget of a rationale (default 512). */
  rationaleMaxTokens: z.int().positive().max(32_768).default(512),

  // --- reading the answer
  /** 'auto' (logprobs when returned, else parse), 'logprobs' (required), 'parse' (never ask for logprobs). */
  answer: z.enum(['auto', 'logprobs', 'parse']).default('auto'),
  /** Parsed answers to average when no logprobs are available (default 1). */
  samples: z.int().positive().max(16).default(1),
  /** Temperature of those samples when samples > 1 (default 1). */
  sampleTemperature: z.number().min(0).max(2).default(1),
  /** Alternatives requested per position (default 20 for chat, 5 for completions). */
  topLogprobs: z.int().min(1).max(20).optional(),
  /** Token budget of the answer (default: the endpoint's maxTokens, else 8). */
  answerMaxTokens: z.int().positive().max(4096).optional(),

  // --- Constitutional AI
  /** Principles; with 'sample' one per comparison, with 'ensemble' all of them averaged. */
  principles: z.array(z.string().min(1).max(MAX_TEXT)).max(64).optional(),
  principleMode: z.enum(['sample', 'ensemble']).default('sample'),
});

/** Validated LLM judge options. */
