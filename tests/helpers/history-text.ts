/** Workflow histories as searchable text: payload data is base64 in the JSON, so decode it too. */
import type { Client } from '@temporalio/client';

export async function historyText(client: Client, workflowId: string): Promise<string> {
  const json = JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
  const decoded = [...json.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1] as string, 'base64').toString('utf8'),
  );
  return [json, ...decoded].join('\n');
}
