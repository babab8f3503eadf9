/**
 * Evaluate the round's policy against the initial one on held-out prompts: win rate judged in
 * both orders with a 95% Wilson interval, mean reward, and KL to the initial policy.
 */
import type { ArtifactRef, StageInput, StageOutput } from '../src/contracts';
import { isServedPolicy, policyModelName } from '../src/policy/served-policy';
import { OpenAIGenerator } from '../src/providers/openai-generator';
import { addUsage } from '../src/providers/usage';
import { wilsonInterval } from '../src/eval/stats';
import { asyncPairwise } from '../src/judges/async-judge';
import { createLocalJudge } from '../src/judges/create';
import { humanAgreement, readHumanPairs } from '../src/judges/human-agreement';
import { judgeBatch } from '../src/judges/judge-batch';
import { DeadLetterSet } from '../src/judges/ledger';
import type { PromptRow, ResponseRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import { seedFrom } from '../src/util/rng';
import { activitySignal, classified, reportProgress, withLivenessBeats } from './context';
import { capabilitiesOf, endpointOf, llmJudgesFor, usageMetrics } from './llm-backends';
import { compute } from './compute';
import type { ActivityDeps } from './deps';
import { onceOnly } from './once';
import { requireArtifact } from './stage-helpers';

export function createEvaluateActivity(deps: ActivityDeps) {
  const { store } = deps;
  return async function evaluate(input: StageInput): Promise<StageOutput> {
    const { runKey, round, stageId, config } = input;
    /** The run's judge on the user's human-labelled pairs (labels in both orders, like every pair). */
    const agreementWithPeople = async (file: string) => {
      const pairs = await readHumanPairs(file, { signal: activitySignal() });
      const judge =
        config.judge.kind === 'llm'
          ? (await llmJudgesFor(deps, config, runKey)).pairwise
          : asyncPairwise(
              createLocalJudge({
                positionBias: config.judge.positionBias,
                sharpness: config.judge.sharpness,
              }),
            );
      return humanAgreement(judge, pairs, { swapOrder: config.judge.swapOrder, signal: activitySignal() });
    };
    /** The run's judge, both orders, on each policy sample against the initial policy's. */
    const judgeAgainstInitial = async (samples: { policy: ResponseRow[]; initial: ResponseRow[] }) => {
      const pairs = samples.policy.map((m, i) => {
        const b = samples.initial[i] as ResponseRow;
        return {
          id: `${m.id}|initial`,
          promptId: m.promptId,
          prompt: m.prompt,
          aId: m.id,
          bId: `${b.id}@initial`,
          a: m.response,
          b: b.response,
        };
      });
      const llm = config.judge.kind === 'llm' ? await llmJudgesFor(deps, config, runKey) : undefined;
      const judge =
        llm?.pairwise ??
        asyncPairwise(
          createLocalJudge({ positionBias: config.judge.positionBias, sharpness: config.judge.sharpness }),
        );
      const out = await withLivenessBeats(() =>
        judgeBatch(judge, pairs, {
          ...(llm?.fallback ? { fallback: llm.fallback.pairwise } : {}),
          deadLetters: new DeadLetterSet(
            store.pathOf(stageKey(runKey, round, stageId, 'dead-letters.jsonl')),
          ),
          seed: seedFrom(config.seed, 'evaluate-judge'),
          signal: activitySignal(),
          onProgress: (done, total) => reportProgress({ step: done, total }),
        }),
      );
      if (out.rows.length === 0) throw new Error('evaluation: the judge labelled none of the held-out pairs');
      const wins = out.rows.reduce((w, r) => w + (r.p > 0.5 ? 1 : r.p === 0.5 ? 0.5 : 0), 0);
      const n = out.rows.length;
      return {
        figures: { winRate: wins / n, winRateCI: wilsonInterval(wins, n), n, flipRate: out.flipRate },
        usage: llm
          ? {
              evalJudgeCoverage: out.coverage,
              ...usageMetrics(
                'evalJudge',
                out.usage,
                endpointOf(deps, config, config.judge.endpoint, 'judge.endpoint'),
              ),
            }
          : {},
      };
    };
    const judgeWithLLM = async (policy: Uint8Array, initial: Uint8Array, prompts: PromptRow[]) => {
      const samples = await compute(deps, 'evaluationSamples', {
        policy,
        initial,
        prompts,
        options: {
          seed: seedFrom(config.seed, 'evaluate'),
          temperature: config.evaluate.temperature,
          maxTokens: config.generate.maxTokens,
        },
      });
      return judgeAgainstInitial(samples);
    };
    /**
     * A served policy (a fine-tuned model) has no weights here: both it and the initial model are
     * sampled through the generation endpoint, then judged. KL and reward-model figures need the
     * weights and are left out.
     */
    const evaluateServed = async (policy: ArtifactRef, initial: ArtifactRef, prompts: PromptRow[]) => {
      const configured = endpointOf(deps, config, config.generate.endpoint, 'generate.endpoint');
      const sample = async (ref: ArtifactRef) => {
        const endpoint = {
          ...configured,
          model: await policyModelName(store, configured.model, ref),
          temperature: config.evaluate.temperature,
        };
        return new OpenAIGenerator(endpoint).generate(prompts, {
          samplesPerPrompt: 1,
          seed: seedFrom(config.seed, 'evaluate'),
          signal: activitySignal(),
        });
      };
      const [mine, theirs] = [await sample(policy), await sample(initial)];
      const judged = await judgeAgainstInitial({ policy: mine.rows, initial: theirs.rows });
      const gen = usageMetrics('evalGenerate', addUsage(mine.usage, theirs.usage), configured);
      return { figures: judged.figures, usage: { ...judged.usage, ...gen } };
    };
    return classified(async () => {
      const { board } = input;
      return onceOnly(store, stageKey(runKey, round, stageId, 'result.json'), async () => {
        const policyRef = requireArtifact(board.newPolicy ?? board.policy, 'policy');
        const initialRef = requireArtifact(board.initialPolicy, 'initialPolicy');
        const prompts = await store.readJsonl<PromptRow>(requireArtifact(board.evalPrompts, 'evalPrompts'));
        if (isServedPolicy(policyRef)) {
          const served = await evaluateServed(policyRef, initialRef, prompts);
          const { winRate, winRateCI, n, flipRate } = served.figures;
          await store.commitJsonl(stageKey(runKey, round, stageId, 'evaluation.jsonl'), [
            { round, ...served.figures },
          ]);
          return {
            artifacts: {},
            metrics: {
              ...served.usage,
              winRateVsInitial: winRate,
              winRateLow: winRateCI[0],
              winRateHigh: winRateCI[1],
              evalComparisons: n,
              evalFlipRate: flipRate,
            },
          };
        }
        const policy = await store.readBytes(policyRef);
        const initial = await store.readBytes(initialRef);
        // The mean reward is read with the embedded (lexical) reward model only; other kinds report
        // the judge's mean score instead.
        const rewardOnnx =
          board.rewardModel && config.rewardModel.kind === 'lexical'
            ? await store.readBytes(board.rewardModel)
            : undefined;
        const result = await compute(deps, 'evaluate', {
          policy,
          initial,
          prompts,
          judge: { positionBias: config.judge.positionBias, sharpness: config.judge.sharpness },
          options: {
            seed: seedFrom(config.seed, 'evaluate'),
            temperature: config.evaluate.temperature,
            maxTokens: config.generate.maxTokens,
            rewardOnnx,
          },
        });
        // With an LLM judge, the win rate is that judge's verdict on the same samples; the local
        // judge's figures above (KL, reward-model mean) do not depend on the judge.
        const judged = config.judge.kind === 'llm' ? await judgeWithLLM(policy, initial, prompts) : undefined;
        if (judged) Object.assign(result, judged.figures);
        const human = config.judge.humanLabels
          ? await agreementWithPeople(
              await capabilitiesOf(deps).dataFile(config.judge.humanLabels, 'judge.humanLabels'),
            )
          : undefined;
        const report = { round, ...result, ...(human ? { humanAgreement: human } : {}) };
        await store.commitJsonl(stageKey(runKey, round, stageId, 'evaluation.jsonl'), [report]);
        return {
          artifacts: {},
          metrics: {
            ...(judged?.usage ?? {}),
            ...(human
              ? {
                  humanAgreement: human.agreement,
                  humanAgreementLow: human.ci[0],
                  humanAgreementHigh: human.ci[1],
                  humanAgreementPairs: human.judged,
                }
              : {}),
            winRateVsInitial: result.winRate,
            winRateLow: result.winRateCI[0],
            winRateHigh: result.winRateCI[1],
            evalComparisons: result.n,
            meanReward: result.meanReward,
            meanJudgeScore: result.meanJudgeScore,
            klToInitial: result.kl,
            evalFlipRate: result.flipRate,
          },
        };
      });
    });
  };
}
