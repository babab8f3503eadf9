/** Records a small run's histories as replay fixtures (see scripts/record-histories.js). */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { findTemporalCli } from '../../src/server/temporal-cli';
import { startRun } from '../../src/cli/runs';
import { parseRunConfig } from '../../src/config/parse';
import { smallConfig, startRunEnv } from './run-env';

export async function recordHistories(dir: string): Promise<string[]> {
  const env = await startRunEnv();
  try {
    await env.startWorker();
    const handle = await startRun(env.client, parseRunConfig(smallConfig({ rounds: 2 })), {
      workflowId: 'replay-fixture',
    });
    await handle.result();
    const files: string[] = [];
    for (const id of ['replay-fixture', 'replay-fixture-round-1', 'replay-fixture-round-2']) {
      // The Temporal CLI writes the standard JSON history format that replayers read.
      const json = execFileSync(
        findTemporalCli(),
        ['workflow', 'show', '--workflow-id', id, '--address', env.server.address, '--output', 'json'],
        { encoding: 'utf8' },
      );
      const file = path.join(dir, `history-${id}.json`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, json);
      files.push(file);
    }
    return files;
  } finally {
    await env.stop();
  }
}
