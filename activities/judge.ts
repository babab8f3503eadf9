/**
 * AI feedback on one batch of generated responses: pairwise preferences (judge) or direct 1–10
 * scores (score, for direct RLAIF). The local judge is cheap, so it runs on the activity's own
 * thread in small chunks with a heartbeat after each.
 */
import type { RunConfig, StageInput, StageOutput } from '../src/contracts';
import { createLocalJudge } from '../src/judges/create';
import { judgeBatch, pairResponses, scoreBatch } from '../src/judges/judge-batch';
import { DeadLetterSet } from '../src/judges/ledger';
import { seedFrom } from '../src/util/rng';
import { endpointOf, llmJudgesFor, usageMetrics } from './llm-backends';
import { createBatchApiActivities, judgeSeed } from './judge-batch-api';
import { flipRate, judgePairs, scoreResponses } from '../src/stages/judge';
import type { PreferenceRow, ResponseRow, ScoreRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import { readBatchOutputs, runResumableBatch } from './batch';
import { activitySignal, classified, reportProgress } from './context';
import type { ActivityDeps } from './deps';
import { onceOnly } from './once';
import { batchName, requireArtifact } from './stage-helpers';

/** Groups rows by prompt, keeping order, so a chunk never splits a prompt's samples. */
function groupByPrompt(rows: ResponseRow[]): ResponseRow[][] {
  const groups: ResponseRow[][] = [];
  for (const row of rows) {
    const last = groups[groups.length - 1];
    if (last && last[0]?.promptId === row.promptId) last.push(row);
    else groups.push([row]);
  }
  return groups;
}

function judgeOf(config: RunConfig) {
  return createLocalJudge({ positionBias: config.judge.positionBias, sharpness: config.judge.sharpness });
}

async function responsesOfBatch(deps: ActivityDeps, input: StageInput): Promise<ResponseRow[]> {
  const refs = requireArtifact(input.board.responses, 'responses');
  const ref = refs[input.batch?.index ?? 0];
  if (!ref) throw new Error(`no responses batch ${input.batch?.index ?? 0} (the round has ${refs.length})`);
  return readBatchOutputs<ResponseRow>(deps, input, [ref]);
}

/** Rows per partial-file append and heartbeat: judging a row takes microseconds, an append does not. */
const CHUNK_ROWS = 128;

export function createJudgeActivities(deps: ActivityDeps) {
  const { store } = deps;
  const batchApi = createBatchApiActivities(deps);

  async function judge(input: StageInput): Promise<StageOutput> {
    return classified(async () => {
      const { runKey, round, stageId, config } = input;
      const name = batchName(input);
      return onceOnly(store, stageKey(runKey, round, stageId, `${name}.result.json`), async () => {
        if (config.judge.kind === 'llm') return judgeWithLLM(input, name);
        const groups = groupByPrompt(await responsesOfBatch(deps, input));
        const judgeModel = judgeOf(config);
        const pairsOf = (group: ResponseRow[]) => {
          const pairs = judgePairs(judgeModel, group);
          // Without swapping, the label is the single-order verdict, position bias and all.
          return config.judge.swapOrder ? pairs : pairs.map((p) => ({ ...p, p: p.pAB }));
        };
        const total = groups.reduce((s, g) => s + Math.floor(g.length / 2), 0);
        const signal = activitySignal();
        const { ref, rows } = await runResumableBatch<PreferenceRow>({
          store,
          key: stageKey(runKey, round, stageId, `${name}.jsonl`),
          total,
          compute: async (skip, emit) => {
            let seen = 0;
            let chunk: PreferenceRow[] = [];
            for (const group of groups) {
              if (signal.aborted) throw new Error('judging cancelled');
              const pairs = pairsOf(group);
              // A resumed batch may stop inside a prompt's pairs: keep only those after `skip`.
              if (seen + pairs.length > skip) chunk.push(...pairs.slice(Math.max(0, skip - seen)));
              seen += pairs.length;
              if (chunk.length >= CHUNK_ROWS) {
                await emit(chunk);
                chunk = [];
              }
            }
            await emit(chunk);
          },
        });
        return {
          artifacts: { preferences: [ref] },
          metrics: { pairs: rows.length, flipRate: flipRate(rows) },
        };
      });
    });
  }

  async function score(input: StageInput): Promise<StageOutput> {
    return classified(async () => {
      const { runKey, round, stageId, config } = input;
      const name = batchName(input);
      return onceOnly(store, stageKey(runKey, round, stageId, `${name}.result.json`), async () => {
        const responses = await responsesOfBatch(deps, input);
        if (config.judge.kind === 'llm') return scoreWithLLM(input, name, responses);
        const judgeModel = judgeOf(config);
        const { ref, rows } = await runResumableBatch<ScoreRow>({
          store,
          key: stageKey(runKey, round, stageId, `${name}.jsonl`),
          total: responses.length,
          compute: async (skip, emit) => {
            for (let i = skip; i < responses.length; i += CHUNK_ROWS) {
              await emit(scoreResponses(judgeModel, responses.slice(i, i + CHUNK_ROWS)));
            }
          },
        });
        const meanScore = rows.reduce((s, r) => s + r.score, 0) / Math.max(rows.length, 1);
        return { artifacts: { scores: [ref] }, metrics: { scored: rows.length, meanJudgeScore: meanScore } };
      });
    });
  }

  /**
   * An LLM judge over an endpoint. Every verdict goes through the run's judgment ledger, so a
   * retried or resumed batch asks the endpoint only for what it has not paid for yet; pairs no
   * judge could label go to the batch's dead-letter file and count against coverage.
   */
  async function judgeWithLLM(input: StageInput, name: string): Promise<StageOutput> {
    const { runKey, round, stageId, config } = input;
    const responses = await responsesOfBatch(deps, input);
    const judges = llmJudgesFor(config, store, runKey);
    const replay = input.batchJob
      ? await batchApi.replayJudge(config, runKey, input.batchJob.batchId)
      : undefined;
    const result = await judgeBatch(replay?.judge ?? judges.pairwise, pairResponses(responses), {
      ...(judges.fallback ? { fallback: judges.fallback.pairwise } : {}),
      deadLetters: new DeadLetterSet(
        store.pathOf(stageKey(runKey, round, stageId, `${name}.dead-letters.jsonl`)),
      ),
      seed: judgeSeed(config, round),
      signal: activitySignal(),
      onProgress: (done, total) => reportProgress({ step: done, total }),
    });
    const ref = await store.commitJsonl(stageKey(runKey, round, stageId, `${name}.jsonl`), result.rows);
    return {
      artifacts: { preferences: [ref] },
      metrics: {
        pairs: result.rows.length,
        flipRate: result.flipRate,
        judgeCoverage: result.coverage,
        deadLetters: result.deadLetters.length,
        pairsByFallback: result.byFallback,
        ...(replay ? { judgeAnswersFromBatch: replay.fromBatch(), judgeBatchMissing: replay.missing } : {}),
        ...usageMetrics('judge', result.usage, endpointOf(config, config.judge.endpoint)),
      },
    };
  }

  async function scoreWithLLM(
    input: StageInput,
    name: string,
    responses: ResponseRow[],
  ): Promise<StageOutput> {
    const { runKey, round, stageId, config } = input;
    const judges = llmJudgesFor(config, store, runKey);
    const result = await scoreBatch(judges.scoring, responses, {
      ...(judges.fallback ? { fallback: judges.fallback.scoring } : {}),
      deadLetters: new DeadLetterSet(
        store.pathOf(stageKey(runKey, round, stageId, `${name}.dead-letters.jsonl`)),
      ),
      seed: seedFrom(config.seed, 'score', round),
      signal: activitySignal(),
      onProgress: (done, total) => reportProgress({ step: done, total }),
    });
    const ref = await store.commitJsonl(stageKey(runKey, round, stageId, `${name}.jsonl`), result.rows);
    const meanScore = result.rows.reduce((s, r) => s + r.score, 0) / Math.max(result.rows.length, 1);
    return {
      artifacts: { scores: [ref] },
      metrics: {
        scored: result.rows.length,
        meanJudgeScore: meanScore,
        judgeCoverage: result.coverage,
        deadLetters: result.deadLetters.length,
        ...usageMetrics('judge', result.usage, endpointOf(config, config.judge.endpoint)),
      },
    };
  }

  return {
    judge,
    score,
    judgeBatchSubmit: batchApi.judgeBatchSubmit,
    judgeBatchPoll: batchApi.judgeBatchPoll,
  };
}
