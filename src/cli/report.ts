/** `rlaif report`: a run's figures per round as an HTML page, PNG charts and CSV tables. */
import type { Client } from '@temporalio/client';
import { collectReport } from '../report/collect';
import { writeReport, type WrittenReport } from '../report/write';
import { storyHeadline, storyMessage } from './failure-story';

export interface ReportCommandOptions {
  out: string;
  /** The run's page in the Temporal UI, linked from the report. */
  uiUrl?: string;
  queryTimeoutMs?: number;
}

/** Collects a running or finished run's figures and writes the report folder. */
export async function reportRun(
  client: Client,
  workflowId: string,
  opts: ReportCommandOptions,
): Promise<WrittenReport & { status: string; source: string; failure?: string; next?: string }> {
  const data = await collectReport(client, workflowId, {
    ...(opts.queryTimeoutMs !== undefined ? { queryTimeoutMs: opts.queryTimeoutMs } : {}),
  });
  if (opts.uiUrl) data.uiUrl = opts.uiUrl;
  const written = await writeReport(data, opts.out);
  return {
    ...written,
    status: data.executionStatus,
    source: data.source,
    ...(data.failure ? { failure: `${storyHeadline(data.failure)}: ${storyMessage(data.failure)}` } : {}),
    ...(data.next ? { next: data.next } : {}),
  };
}
