/**
 * Evaluate the round's policy against the initial one on held-out prompts: win rate judged in
 * both orders with a 95% Wilson interval, mean reward, and KL to the initial policy.
 */
import * as path from 'node:path';
import type { ArtifactRef, StageInput, StageOutput } from '../src/contracts';
import { isServedPolicy, policyModelName } from '../src/policy/served-policy';
import { OpenAIGenerator } from '../src/providers/openai-generator';
import { addUsage } from '../src/providers/usage';
import { verdictsAgree } from '../src/demo/gold';
import {
  goldWinRate,
  judgeGoldAgreement,
  judgeGoldAgreementFromScores,
  rewardModelAgreement,
  rewardModelGoldAgreement,
} from '../src/eval/gold-figures';
import { wilsonInterval } from '../src/eval/stats';
import { asyncPairwise } from '../src/judges/async-judge';
import { createLocalJudge } from '../src/judges/create';
import { humanAgreement, readHumanPairs } from '../src/judges/human-agreement';
import { createLLMJudges } from '../src/judges/create-llm';
import { judgeEachPair, type PairInput } from '../src/judges/judge-pairs';
import { DeadLetterSet } from '../src/judges/ledger';
import type { PreferenceRow, PromptRow, ResponseRow, ScoreRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import { keepFile, LEDGER_PUSH_MS, ledgerMirror } from '../src/store/mirrored-files';
import { seedFrom } from '../src/util/rng';
import { readBatchOutputs } from './batch';
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
      const judged = await humanAgreement(judge, pairs, {
        swapOrder: config.judge.swapOrder,
        signal: activitySignal(),
      });
      // The round's reward model on the same pairs: people, not the judge, as its reference.
      const { rewardModel } = input.board;
      const rm =
        rewardModel && config.rewardModel.kind === 'lexical'
          ? await rewardModelAgreement(
              await store.readBytes(rewardModel),
              pairs.map((h) => ({
                prompt: h.prompt,
                a: h.a,
                b: h.b,
                verdict: h.label === 'a' ? 1 : h.label === 'b' ? 0 : 0.5,
              })),
              'rewardModelHumanAgreement',
            )
          : undefined;
      return { ...judged, ...(rm ? { rewardModel: rm } : {}) };
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
      const deadKey = stageKey(runKey, round, stageId, 'dead-letters.jsonl');
      const ledger = ledgerMirror(store, runKey);
      // An LLM judge waits on its server: heartbeat on a timer, not only as pairs finish.
      const out = await withLivenessBeats(() =>
        judgeEachPair(judge, pairs, {
          ...(llm?.fallback ? { fallback: llm.fallback.pairwise } : {}),
          deadLetters: new DeadLetterSet(store.scratchDir(deadKey)),
          seed: seedFrom(config.seed, 'evaluate-judge'),
          signal: activitySignal(),
          onProgress: (done, total) => {
            reportProgress({ step: done, total });
            if (llm) ledger.pushEvery(LEDGER_PUSH_MS);
          },
        }),
      );
      if (llm) await ledger.push();
      await keepFile(store, deadKey, store.scratchDir(deadKey));
      if (out.rows.length === 0) throw new Error('evaluation: the judge labelled none of the held-out pairs');
      const wins = out.rows.reduce((w, r) => w + (r.p > 0.5 ? 1 : r.p === 0.5 ? 0.5 : 0), 0);
      const n = out.rows.length;
      return {
        pairs,
        rows: out.rows,
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
    /**
     * The evaluator (`evaluate.judge`), an LLM on another endpoint than the training judge, on the
     * same pairs: its win rate, and how often it picks what the training judge picked. Its
     * judgments have a ledger of their own, so a training judgment is never reused as its verdict.
     */
    const judgeWithEvaluator = async (
      pairs: PairInput[],
      trainingLabels: readonly PreferenceRow[],
    ): Promise<Record<string, number>> => {
      const spec = config.evaluate.judge;
      if (!spec) return {};
      const endpoint = endpointOf(deps, config, spec.endpoint, 'evaluate.judge.endpoint');
      // Kept in the store like the training judge's when this machine's scratch folder is its own.
      const ledger = ledgerMirror(store, runKey, 'evaluator-ledger');
      await ledger.pull();
      const evaluator = createLLMJudges({
        endpoint,
        options: spec.llm ?? {},
        ledgerDir: path.dirname(ledger.file),
      });
      const deadKey = stageKey(runKey, round, stageId, 'evaluator-dead-letters.jsonl');
      const out = await judgeEachPair(evaluator.pairwise, pairs, {
        deadLetters: new DeadLetterSet(store.scratchDir(deadKey)),
        seed: seedFrom(config.seed, 'evaluator'),
        signal: activitySignal(),
        onProgress: (done, total) => {
          reportProgress({ step: done, total });
          ledger.pushEvery(LEDGER_PUSH_MS);
        },
      });
      await ledger.push();
      await keepFile(store, deadKey, store.scratchDir(deadKey));
      if (out.rows.length === 0)
        throw new Error(`evaluation: the evaluator (${spec.endpoint}) labelled none of the held-out pairs`);
      const n = out.rows.length;
      const wins = out.rows.reduce((w, r) => w + (r.p > 0.5 ? 1 : r.p === 0.5 ? 0.5 : 0), 0);
      const ci = wilsonInterval(wins, n);
      const training = new Map(trainingLabels.map((r) => [r.id, r.p]));
      let agree = 0;
      let both = 0;
      for (const r of out.rows) {
        const t = training.get(r.id);
        if (t === undefined) continue;
        both++;
        agree += verdictsAgree(t, r.p);
      }
      return {
        evaluatorWinRate: wins / n,
        evaluatorWinRateLow: ci[0],
        evaluatorWinRateHigh: ci[1],
        evaluatorComparisons: n,
        evaluatorCoverage: out.coverage,
        evaluatorFlipRate: out.flipRate,
        ...(both > 0 ? { evaluatorJudgeAgreement: agree / both } : {}),
        ...usageMetrics('evaluator', out.usage, endpoint),
      };
    };
    const sampleAndJudge = async (policy: Uint8Array, initial: Uint8Array, prompts: PromptRow[]) => {
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
      const gold =
        config.data.kind === 'demo'
          ? goldWinRate(
              mine.rows.map((m, i) => ({
                prompt: m.prompt,
                policy: m.response,
                initial: (theirs.rows[i] as ResponseRow).response,
              })),
            )
          : undefined;
      return { judged, figures: judged.figures, gold, usage: { ...judged.usage, ...gen } };
    };
    /**
     * The demo world's gold standard on the labels of this round (the judge's agreement with it)
     * and on the reward model's held-out pairs (the same split as its agreement with the judge).
     * User data has no gold standard: a run on it gets these figures from `evaluate.humanLabels`.
     */
    const goldAgreements = async (): Promise<Record<string, number>> => {
      const { board } = input;
      if (config.data.kind !== 'demo') return {};
      const out: Record<string, number> = {};
      const labels = board.preferences?.length
        ? await readBatchOutputs<PreferenceRow>(deps, input, board.preferences)
        : [];
      // A scoring judge (d-RLAIF) labels no pairs: its scores of the same samples are compared.
      const scores =
        labels.length === 0 && board.scores?.length
          ? await readBatchOutputs<ScoreRow>(deps, input, board.scores)
          : [];
      const judged =
        labels.length > 0
          ? judgeGoldAgreement(labels)
          : scores.length > 1
            ? judgeGoldAgreementFromScores(scores)
            : undefined;
      if (judged && judged.n > 0) {
        out.judgeGoldAgreement = judged.value;
        out.judgeGoldAgreementPairs = judged.n;
      }
      if (board.rewardModel && board.preferencePool && config.rewardModel.kind === 'lexical') {
        const rm = await rewardModelGoldAgreement(
          await store.readBytes(board.rewardModel),
          await store.readJsonl<PreferenceRow>(board.preferencePool),
          { seed: seedFrom(config.seed, 'reward'), heldOutFraction: config.rewardModel.heldOutFraction },
        );
        out.rewardModelGoldAgreement = rm.value;
      }
      return out;
    };
    /** The gold win rate as metrics. */
    const goldWinMetrics = (
      gold: { value: number; ci: [number, number] } | undefined,
    ): Record<string, number> =>
      gold ? { goldWinRate: gold.value, goldWinRateLow: gold.ci[0], goldWinRateHigh: gold.ci[1] } : {};
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
              ...goldWinMetrics(served.gold),
              ...(await goldAgreements()),
              ...(await judgeWithEvaluator(served.judged.pairs, served.judged.rows)),
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
            gold: config.data.kind === 'demo',
          },
        });
        // With an LLM judge, the win rate is that judge's verdict on the same samples; the local
        // judge's figures above (KL, reward-model mean) do not depend on the judge.
        // An evaluator needs the pairs and the training judge's labels of them too: the same
        // samples (same seed), judged by the local judge give exactly the figures above.
        const judged =
          config.judge.kind === 'llm' || config.evaluate.judge
            ? await sampleAndJudge(policy, initial, prompts)
            : undefined;
        if (judged && config.judge.kind === 'llm') Object.assign(result, judged.figures);
        const evaluator = judged ? await judgeWithEvaluator(judged.pairs, judged.rows) : {};
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
            ...goldWinMetrics(result.gold),
            ...(await goldAgreements()),
            ...evaluator,
            ...(human
              ? {
                  humanAgreement: human.agreement,
                  humanAgreementLow: human.ci[0],
                  humanAgreementHigh: human.ci[1],
                  humanAgreementPairs: human.judged,
                  ...(human.rewardModel ? { rewardModelHumanAgreement: human.rewardModel.value } : {}),
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
