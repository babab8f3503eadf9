/**
 * Replays the recorded histories of every release (tests/fixtures/histories/<release>/) against
 * the current workflow code: a change that alters the commands an old run issued, without
 * `patched()`, fails here (docs/versioning.md).
 */
import { Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { quietRuntime, workflowBundle } from '../helpers/run-env';
import { childIds, lastEventType, listFixtures, loadHistory, memoField, startedAttributes } from './fixtures';

const fixtures = listFixtures();

test('every workflow type has a recorded history', () => {
  const types = Object.entries(workflows)
    .filter(([, v]) => typeof v === 'function')
    .map(([name]) => name)
    .sort();
  expect(types).toEqual(['rlaifRound', 'rlaifRun']);
  const recorded = new Set(fixtures.map((f) => startedAttributes(loadHistory(f)).workflowType?.name));
  expect(types.filter((t) => !recorded.has(t))).toEqual([]);
});

test('a run that continued-as-new is recorded, ending and starting an execution', () => {
  const endings = fixtures.map((f) => lastEventType(loadHistory(f)));
  const continued = fixtures.filter(
    (_, i) => endings[i] === 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
  );
  expect(continued.length).toBeGreaterThan(0);
  const carried = fixtures.filter((f) => startedAttributes(loadHistory(f)).continuedExecutionRunId);
  expect(carried.length).toBeGreaterThan(0);
});

test('a resumed run is recorded: linked to the run it resumes, it runs only the rounds left', () => {
  const resumed = fixtures.filter((f) => memoField(loadHistory(f), 'resumedFrom') !== undefined);
  expect(resumed.length).toBeGreaterThan(0);
  for (const f of resumed) {
    const history = loadHistory(f);
    expect(memoField(history, 'resumedFrom')).toMatchObject({
      workflowId: 'replay-resume',
      status: 'TERMINATED',
    });
    // The checkpoint of round 1 was loaded, so round 2 is the only child.
    expect(childIds(history)).toEqual([`${f.workflowId}-round-2`]);
    expect(lastEventType(history)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  }
});

test.each(fixtures.map((f) => f.file))('%s replays without non-determinism', async (file) => {
  quietRuntime();
  const fixture = fixtures.find((f) => f.file === file);
  if (!fixture) throw new Error(`fixture ${file} vanished`);
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    loadHistory(fixture),
    fixture.workflowId,
  );
});
