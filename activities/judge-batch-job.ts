/**
 * Judging a stage's batch through a provider's Batch API job, as three idempotent activities the
 * round workflow runs with a durable timer between them: submit (record the judge's requests,
 * upload, create the job under an idempotency key, so a crash never submits twice), poll
 * (stateless), and the ordinary judge activity reading the answers from the finished job. The
 * activities keep their registered names `judgeBatchSubmit` and `judgeBatchPoll`: recorded
 * histories name them.
 */
import type OpenAI from 'openai';
import type { JudgeBatchStatus, RunConfig, StageInput, SubmittedJudgeBatch } from '../src/contracts';
import { recordJudgeRequests, replayingClient } from '../src/judges/batch-job-replay';
import { pairResponses } from '../src/judges/judge-pairs';
import { openLedger } from '../src/judges/ledger';
import { ledgerMirror } from '../src/store/mirrored-files';
import { OpenAIPairwiseJudge } from '../src/judges/llm-judge';
import { collectBatch, pollBatch, submitBatch, writeBatchRequests } from '../src/providers/batch-api';
import { createClient, type EndpointConfig } from '../src/providers/endpoint';
import type { ResponseRow } from '../src/stages/types';
import { stageKey } from '../src/store/artifact';
import type { ArtifactStore } from '../src/store/store';
import { seedFrom } from '../src/util/rng';
import { classified } from './context';
import type { ActivityDeps } from './deps';
import { capabilitiesOf, endpointOf, judgeOptionsOf } from './llm-backends';
import { CapabilityError } from '../src/capabilities/errors';
import { batchName, requireArtifact } from './stage-helpers';

/** The judge endpoint, and the client for its Batch API (same key, maybe another base URL). */
function batchJobClient(deps: ActivityDeps, config: RunConfig): { endpoint: EndpointConfig; client: OpenAI } {
  const endpoint = endpointOf(deps, config, config.judge.endpoint, 'judge.endpoint');
  const batchApi = config.judge.batchApi;
  if (batchApi?.endpoint !== undefined) {
    const served = endpointOf(deps, config, batchApi.endpoint, 'judge.batchApi.endpoint');
    return { endpoint, client: createClient(served) };
  }
  // The judge's key goes only where the worker's owner said: a URL from the config needs trust.
  if (batchApi?.baseURL !== undefined && !capabilitiesOf(deps).trustsRunConfigs)
    throw new CapabilityError(
      'judge.batchApi.baseURL: this worker sends keys only to the endpoints its owner declares; name one with judge.batchApi.endpoint',
    );
  return { endpoint, client: createClient({ ...endpoint, baseURL: batchApi?.baseURL ?? endpoint.baseURL }) };
}

/** The seed the judge uses for a round; recording and replay must agree on it. */
export const judgeSeed = (config: RunConfig, round: number) => seedFrom(config.seed, 'judge', round);

async function responsesOf(store: ArtifactStore, input: StageInput): Promise<ResponseRow[]> {
  const refs = requireArtifact(input.board.responses, 'responses');
  const ref = refs[input.batch?.index ?? 0];
  if (!ref) throw new Error(`no responses batch ${input.batch?.index ?? 0}`);
  return store.readJsonl<ResponseRow>(ref);
}

export function createBatchJobActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function judgeBatchSubmit(input: StageInput): Promise<SubmittedJudgeBatch> {
    return classified(async () => {
      const { runKey, round, stageId, config } = input;
      const name = batchName(input);
      const { endpoint, client } = batchJobClient(deps, config);
      const pairs = pairResponses(await responsesOf(store, input));
      const requests = await recordJudgeRequests(
        endpoint,
        await judgeOptionsOf(deps, config),
        pairs,
        judgeSeed(config, round),
      );
      if (requests.length === 0) return { batchId: null, requests: 0 };
      const file = store.scratchDir(stageKey(runKey, round, stageId, `${name}.batch-requests.jsonl`));
      await writeBatchRequests(requests, file);
      const submitted = await submitBatch(client, {
        inputFile: file,
        idempotencyKey: `${runKey}/${round}/${stageId}/${name}`,
        metadata: { run: runKey, round: String(round), stage: stageId },
      });
      return { batchId: submitted.batchId, requests: requests.length };
    });
  }

  async function judgeBatchPoll(input: { config: RunConfig; batchId: string }): Promise<JudgeBatchStatus> {
    return classified(async () => {
      const { client } = batchJobClient(deps, input.config);
      const p = await pollBatch(client, input.batchId);
      return { terminal: p.terminal, status: p.status, ...p.requestCounts };
    });
  }

  /**
   * The primary judge for a judge activity that reads a finished Batch API job: its answers come
   * from the job, the rest from the endpoint; returns also how many came from the job.
   */
  async function judgeFromBatchJob(config: RunConfig, runKey: string, batchId: string) {
    const { endpoint, client } = batchJobClient(deps, config);
    const collected = await collectBatch(client, batchId);
    const replaying = replayingClient(collected.results, createClient(endpoint));
    const mirror = ledgerMirror(store, runKey);
    await mirror.pull();
    const judge = new OpenAIPairwiseJudge(endpoint, await judgeOptionsOf(deps, config), {
      client: replaying,
      ledger: openLedger(mirror.file),
    });
    return {
      judge,
      fromBatch: () => (replaying as unknown as { replayed: number }).replayed,
      missing: collected.missing.length,
    };
  }

  return { judgeBatchSubmit, judgeBatchPoll, judgeFromBatchJob };
}
