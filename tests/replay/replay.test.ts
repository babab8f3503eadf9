/**
 * Replays recorded histories of a finished run (the parent and its round children) against the
 * current workflow code: a non-deterministic change to the workflows fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { quietRuntime, workflowBundle } from '../helpers/run-env';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'tests', 'fixtures');
const files = fs.readdirSync(FIXTURES).filter((f) => f.startsWith('history-') && f.endsWith('.json'));

test('there are recorded histories of the run and of its rounds', () => {
  expect(files.some((f) => f.includes('round'))).toBe(true);
  expect(files.length).toBeGreaterThanOrEqual(2);
});

test.each(files)('%s replays without non-determinism', async (file) => {
  quietRuntime();
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')));
  const workflowId = file.replace(/^history-/, '').replace(/\.json$/, '');
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
});
