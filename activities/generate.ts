/** Generate: one batch of prompts, each sampled `samplesPerPrompt` times from the round's policy. */
import type { StageInput, StageOutput } from '../src/contracts';
import { seedFrom } from '../src/util/rng';
import type { PromptRow, ResponseRow } from '../src/stages/types';
import { policyModelName } from '../src/policy/served-policy';
import { stageKey } from '../src/store/artifact';
import { runResumableBatch } from './batch';
import { activitySignal, classified, reportProgress } from './context';
import { endpointOf, usageMetrics } from './llm-backends';
import { OpenAIGenerator } from '../src/providers/openai-generator';
import { compute } from './compute';
import { coverage, DeadLetterSet } from '../src/judges/ledger';
import { keepFile } from '../src/store/mirrored-files';
import type { ActivityDeps } from './deps';
import { onceOnly } from './once';
import { batchSlice, batchName, requireArtifact } from './stage-helpers';

export function createGenerateActivity(deps: ActivityDeps) {
  const { store } = deps;

  /**
   * Sampling from an OpenAI-compatible endpoint: the endpoint's model is the policy, so whatever
   * optimizes it (an external trainer that reloads the server) must update what it serves.
   * Seeds are per prompt, so a retried batch asks for the same samples.
   */
  async function generateWithEndpoint(
    input: StageInput,
    name: string,
    prompts: PromptRow[],
  ): Promise<StageOutput> {
    const { runKey, round, stageId, config } = input;
    // "{policy}" in the model name stands for the round's policy: a served model's name (after
    // fine-tuning jobs), or the checkpoint's store URI for servers that load checkpoints by name
    // (the local model server reads them from the shared store).
    const configured = endpointOf(deps, config, config.generate.endpoint, 'generate.endpoint');
    const policy = requireArtifact(input.board.policy, 'policy');
    const endpoint = { ...configured, model: await policyModelName(store, configured.model, policy) };
    const { samplesPerPrompt, temperature, topP, maxTokens } = config.generate;
    const out = await new OpenAIGenerator(endpoint).generate(prompts, {
      samplesPerPrompt,
      seed: seedFrom(config.seed, 'generate', round),
      temperature,
      ...(topP !== undefined ? { topP } : {}),
      maxTokens,
      signal: activitySignal(),
      onProgress: (done, total) => reportProgress({ step: done, total }),
    });
    // Samples the server failed on with every seed tried are left out and recorded, once each.
    // On a store with private scratch folders (S3) the file is committed beside the batch.
    if (out.failed.length > 0) {
      const deadKey = stageKey(runKey, round, stageId, `${name}.dead-letters.jsonl`);
      const dead = new DeadLetterSet(store.scratchDir(deadKey));
      for (const f of out.failed) dead.add({ pairId: f.id, reason: f.reason, raw: f.raw });
      await keepFile(store, deadKey, store.scratchDir(deadKey));
    }
    // Sampling is not deterministic: a concurrent attempt may have committed other samples first,
    // and those are the batch. The usage is what this attempt spent.
    const { ref, rows } = await store.commitRows(stageKey(runKey, round, stageId, `${name}.jsonl`), out.rows);
    const total = prompts.length * samplesPerPrompt;
    return {
      artifacts: { responses: [ref] },
      metrics: {
        responses: rows.length,
        generateCoverage: coverage(rows.length, total),
        generateDeadLetters: total - rows.length,
        ...usageMetrics('generate', out.usage, endpoint),
      },
    };
  }

  return async function generate(input: StageInput): Promise<StageOutput> {
    return classified(async () => {
      const { runKey, round, stageId, config, board } = input;
      const name = batchName(input);
      return onceOnly(store, stageKey(runKey, round, stageId, `${name}.result.json`), async () => {
        const allPrompts = await store.readJsonl<PromptRow>(
          requireArtifact(board.trainPrompts, 'trainPrompts'),
        );
        const prompts = batchSlice(allPrompts, input);
        const k = config.generate.samplesPerPrompt;
        if (config.generate.endpoint) return generateWithEndpoint(input, name, prompts);
        const policy = await store.readBytes(requireArtifact(board.policy, 'policy'));
        const { ref, rows } = await runResumableBatch<ResponseRow>({
          store,
          key: stageKey(runKey, round, stageId, `${name}.jsonl`),
          total: prompts.length * k,
          unit: k,
          compute: async (skip, emit) => {
            // Rows come in whole prompts (k samples each); resume at the first unfinished prompt.
            const remaining = prompts.slice(Math.floor(skip / k));
            await compute(
              deps,
              'generate',
              {
                policy,
                prompts: remaining,
                samplesPerPrompt: k,
                temperature: config.generate.temperature,
                maxTokens: config.generate.maxTokens,
                seed: seedFrom(config.seed, 'generate', round),
                // Prompts per ORT call and per heartbeat: small chunks pay onnxruntime's per-call
                // cost many times over, and 64 prompts still take a few milliseconds.
                chunk: 64,
              },
              (more) => emit(more as ResponseRow[]),
            );
          },
        });
        const meanLength =
          rows.reduce((s, r) => s + r.response.split(/\s+/).filter(Boolean).length, 0) /
          Math.max(rows.length, 1);
        return {
          artifacts: { responses: [ref] },
          metrics: { responses: rows.length, meanResponseWords: meanLength },
        };
      });
    });
  };
}
