/** Records a small run's histories as replay fixtures (see scripts/record-histories.js). */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { smallConfig, startRunEnv } from './run-env';

export async function recordHistories(dir: string): Promise<string[]> {
  const env = await startRunEnv();
  try {
    await env.startWorker();
    const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 2 })), { workflowId: 'replay-fixture' });
    await handle.result();
    const files: string[] = [];
    for (const id of ['replay-fixture', 'replay-fixture-round-1', 'replay-fixture-round-2']) {
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      const file = path.join(dir, `history-${id}.json`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, historyToJSON(history));
      files.push(file);
    }
    return files;
  } finally {
    await env.stop();
  }
}
