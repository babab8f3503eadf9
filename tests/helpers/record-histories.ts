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
    const runs = [
      { id: 'replay-fixture', config: smallConfig({ rounds: 2 }) },
      { id: 'replay-can', config: smallConfig({ rounds: 2, continueAsNewEvery: 1 }) },
    ];
    const files: string[] = [];
    for (const run of runs) {
      const handle = await startRun(env.client, parseRunConfig(run.config), { workflowId: run.id });
      await handle.result();
      // The first execution of each run (for replay-can it ends in continue-as-new) and its rounds.
      const executions: Array<[string, string | undefined, string]> = [
        [run.id, handle.firstExecutionRunId, run.id],
        [`${run.id}-round-1`, undefined, `${run.id}-round-1`],
      ];
      if (run.id === 'replay-fixture') executions.push([`${run.id}-round-2`, undefined, `${run.id}-round-2`]);
      for (const [id, runId, name] of executions) {
        // The Temporal CLI writes the standard JSON history format that replayers read.
        const json = execFileSync(
          findTemporalCli(),
          [
            'workflow',
            'show',
            '--workflow-id',
            id,
            ...(runId ? ['--run-id', runId] : []),
            '--address',
            env.server.address,
            '--output',
            'json',
          ],
          { encoding: 'utf8' },
        );
        const file = path.join(dir, `history-${name}.json`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(file, json);
        files.push(file);
      }
    }
    return files;
  } finally {
    await env.stop();
  }
}
