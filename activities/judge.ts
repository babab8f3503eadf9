/**
 * AI feedback on one batch of generated responses: pairwise preferences (judge) or direct 1–10
 * scores (score, for direct RLAIF). The local judge is cheap, so it runs on the activity's own
 * thread in small chunks with a heartbeat after each.
 */
import type { RunConfig, StageInput, StageOutput } from '../src/contracts';
import { createLocalJudge } from '../src/judges/create';
import { judgeEachPair, pairResponses, scoreEachResponse } from '../src/judges/judge-pairs';
import { requireCoverage } from '../src/judges/coverage';
import { coverage, DeadLetterSet } from '../src/judges/ledger';
import { seedFrom } from '../src/util/rng';
import { endpointOf, llmJudgesFor, usageMetrics } from './llm-backends';
import { createBatchJobActivities, judgeSeed } from './judge-batch-job';
import { flipRate, judgePairs, scoreResponses } from '../src/stages/judge';
import type { PreferenceRow, ResponseRow, ScoreRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import { keepFile, LEDGER_PUSH_MS, ledgerMirror } from '../src/store/mirrored-files';
import { readBatchOutputs } from './batch';
import { activitySignal, classified, reportProgress, withLivenessBeats } from './context';
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

/**
 * Figures of the rows committed for a batch of `total` pairs or responses. An LLM judge is not
 * deterministic and a concurrent attempt may have committed its verdicts first: the figures must
 * describe the committed rows, not this attempt's. What the attempt spent (usage, fallback calls)
 * stays its own.
 */
function committedFigures(rows: readonly unknown[], total: number) {
  return { judgeCoverage: coverage(rows.length, total), deadLetters: total - rows.length };
}

/**
 * The shares of this attempt's verdicts read from the answer tokens' logprobs and parsed from
 * the answer's text: a judge that silently lost its logprobs (a server that does not return
 * them in a shape we read) shows as a falling logprob share, not only as harder labels.
 */
function answerShares(answers: { logprobs: number; text: number }) {
  const total = answers.logprobs + answers.text;
  return {
    judgeFromLogprobs: total === 0 ? 0 : answers.logprobs / total,
    judgeFromText: total === 0 ? 0 : answers.text / total,
  };
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

/** Responses scored between heartbeats (and cancellation checks) by the local judge. */
const CHUNK_ROWS = 1024;

/** Prompts the local judge labels between heartbeats (and cancellation checks). */
const CHUNK_PROMPTS = 512;

export function createJudgeActivities(deps: ActivityDeps) {
  const { store } = deps;
  const batchJobs = createBatchJobActivities(deps);

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
        // The local judge labels tens of pairs per millisecond: the batch is judged whole and
        // committed once. A partial file to resume from would cost more than judging again.
        const signal = activitySignal();
        const rows: PreferenceRow[] = [];
        for (let i = 0; i < groups.length; i += CHUNK_PROMPTS) {
          if (signal.aborted) throw new Error('judging cancelled');
          for (const group of groups.slice(i, i + CHUNK_PROMPTS)) rows.push(...pairsOf(group));
          reportProgress({ rows: rows.length });
        }
        const ref = await store.commitJsonl(stageKey(runKey, round, stageId, `${name}.jsonl`), rows);
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
        // Like local judging: scored whole and committed once (see judge above).
        const signal = activitySignal();
        const rows: ScoreRow[] = [];
        for (let i = 0; i < responses.length; i += CHUNK_ROWS) {
          if (signal.aborted) throw new Error('scoring cancelled');
          rows.push(...scoreResponses(judgeModel, responses.slice(i, i + CHUNK_ROWS)));
          reportProgress({ rows: rows.length });
        }
        const ref = await store.commitJsonl(stageKey(runKey, round, stageId, `${name}.jsonl`), rows);
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
    const judges = await llmJudgesFor(deps, config, runKey);
    const replay = input.batchJob
      ? await batchJobs.judgeFromBatchJob(config, runKey, input.batchJob.batchId)
      : undefined;
    const pairs = pairResponses(responses);
    const ledger = ledgerMirror(store, runKey);
    const deadKey = stageKey(runKey, round, stageId, `${name}.dead-letters.jsonl`);
    const deadLetterFile = store.scratchDir(deadKey);
    // An LLM judge waits on its server: heartbeat on a timer, not only as pairs finish.
    const result = await withLivenessBeats(() =>
      judgeEachPair(replay?.judge ?? judges.pairwise, pairs, {
        ...(judges.fallback ? { fallback: judges.fallback.pairwise } : {}),
        deadLetters: new DeadLetterSet(deadLetterFile),
        seed: judgeSeed(config, round),
        signal: activitySignal(),
        onProgress: (done, total) => {
          reportProgress({ step: done, total });
          ledger.pushEvery(LEDGER_PUSH_MS);
        },
      }),
    );
    await ledger.push();
    requireCoverage(result.rows.length, pairs.length, config.judge.minCoverage, deadLetterFile, 'pairs');
    const { ref, rows } = await store.commitRows(
      stageKey(runKey, round, stageId, `${name}.jsonl`),
      result.rows,
    );
    await keepFile(store, deadKey, store.scratchDir(deadKey));
    return {
      artifacts: { preferences: [ref] },
      metrics: {
        pairs: rows.length,
        flipRate: rows.length === 0 ? 0 : flipRate(rows),
        ...committedFigures(rows, pairs.length),
        ...answerShares(result.answers),
        pairsByFallback: result.byFallback,
        ...(replay ? { judgeAnswersFromBatch: replay.fromBatch(), judgeBatchMissing: replay.missing } : {}),
        ...usageMetrics(
          'judge',
          result.usage,
          endpointOf(deps, config, config.judge.endpoint, 'judge.endpoint'),
        ),
      },
    };
  }

  async function scoreWithLLM(
    input: StageInput,
    name: string,
    responses: ResponseRow[],
  ): Promise<StageOutput> {
    const { runKey, round, stageId, config } = input;
    const judges = await llmJudgesFor(deps, config, runKey);
    const ledger = ledgerMirror(store, runKey);
    const deadKey = stageKey(runKey, round, stageId, `${name}.dead-letters.jsonl`);
    const deadLetterFile = store.scratchDir(deadKey);
    // An LLM judge waits on its server: heartbeat on a timer, not only as pairs finish.
    const result = await withLivenessBeats(() =>
      scoreEachResponse(judges.scoring, responses, {
        ...(judges.fallback ? { fallback: judges.fallback.scoring } : {}),
        deadLetters: new DeadLetterSet(deadLetterFile),
        seed: seedFrom(config.seed, 'score', round),
        signal: activitySignal(),
        onProgress: (done, total) => {
          reportProgress({ step: done, total });
          ledger.pushEvery(LEDGER_PUSH_MS);
        },
      }),
    );
    await ledger.push();
    requireCoverage(
      result.rows.length,
      responses.length,
      config.judge.minCoverage,
      deadLetterFile,
      'responses',
    );
    const { ref, rows } = await store.commitRows(
      stageKey(runKey, round, stageId, `${name}.jsonl`),
      result.rows,
    );
    await keepFile(store, deadKey, store.scratchDir(deadKey));
    const meanScore = rows.reduce((s, r) => s + r.score, 0) / Math.max(rows.length, 1);
    return {
      artifacts: { scores: [ref] },
      metrics: {
        scored: rows.length,
        meanJudgeScore: meanScore,
        ...committedFigures(rows, responses.length),
        ...answerShares(result.answers),
        ...usageMetrics(
          'judge',
          result.usage,
          endpointOf(deps, config, config.judge.endpoint, 'judge.endpoint'),
        ),
      },
    };
  }

  return {
    judge,
    score,
    judgeBatchSubmit: batchJobs.judgeBatchSubmit,
    judgeBatchPoll: batchJobs.judgeBatchPoll,
  };
}
