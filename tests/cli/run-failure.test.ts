/** A failed run's message for the CLI: the innermost failure and where it happened. */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, RetryState } from '@temporalio/common';
import { problemLines, runFailureMessage, type RunProblem } from '../../src/cli/runs';
import { storyLines, storyOf, type FailureStory } from '../../src/cli/failure-story';

test('names the round workflow, the activity, whether it was retried and the root message', () => {
  const root = ApplicationFailure.nonRetryable(
    'inputs/train.jsonl:3: duplicate id "p0"',
    'InvalidInputError',
  );
  const activity = new ActivityFailure(
    'Activity task failed',
    'rlaif.generate',
    '4',
    RetryState.NON_RETRYABLE_FAILURE,
    'w',
    root,
  );
  const child = new ChildWorkflowFailure(
    'default',
    { workflowId: 'run-1-round-1', runId: 'r' },
    'rlaifRound',
    RetryState.NON_RETRYABLE_FAILURE,
    activity,
  );
  const err = new WorkflowFailedError('Workflow execution failed', child, RetryState.NON_RETRYABLE_FAILURE);
  expect(runFailureMessage(err, 'run-1')).toBe(
    'run run-1 failed in round 1, stage generate, activity rlaif.generate (not retried: a retry cannot fix it):\n' +
      'InvalidInputError: inputs/train.jsonl:3: duplicate id "p0"\n' +
      'next: fix what the message names, then "rlaif resume run-1": finished rounds and batches are kept',
  );
  // The run's own account names the stage by its id (a DAG may run two stages of one type).
  expect(
    runFailureMessage(err, 'run-1', {
      round: 1,
      stage: 'gen-b',
      message: 'inputs/train.jsonl:3: duplicate id "p0"',
      activity: 'rlaif.generate',
    }),
  ).toContain('failed in round 1, stage gen-b, activity rlaif.generate (not retried');
  const retried = new ActivityFailure(
    'Activity task failed',
    'rlaif.judge',
    '5',
    RetryState.MAXIMUM_ATTEMPTS_REACHED,
    'w',
    new Error('HTTP 500'),
  );
  expect(
    runFailureMessage(
      new WorkflowFailedError('Workflow execution failed', retried, RetryState.NON_RETRYABLE_FAILURE),
      'run-2',
    ),
  ).toBe(
    'run run-2 failed in stage judge, activity rlaif.judge (after its last attempt):\nHTTP 500\n' +
      'next: once the cause is gone (an endpoint answers again, a worker has room), "rlaif resume run-2": finished rounds and batches are kept',
  );
  expect(runFailureMessage(new Error('connection refused'), 'run-3')).toBeUndefined();
});

test('a config that does not parse is fixed by a new run, not a resume', () => {
  const story = storyOf({
    round: 0,
    stage: 'config',
    message: 'rounds: expected number',
    type: 'ConfigError',
  });
  expect(storyLines(story as FailureStory, 'run-4')).toEqual([
    'failed before the first round, stage config: ConfigError: rounds: expected number',
    'next: fix the config and start a new run (rlaif start --config <file>)',
  ]);
});

test('a retrying activity says where, attempt n of m, when the next try comes and the last error', () => {
  const now = Date.parse('2026-12-03T07:40:00Z');
  const problem: RunProblem = {
    workflowId: 'run-5-round-2',
    kind: 'activity',
    activityType: 'rlaif.trainReward',
    attempt: 3,
    maximumAttempts: 20,
    nextAttemptAt: now + 8000,
    message: 'connect ECONNREFUSED 127.0.0.1:9',
  };
  expect(problemLines(problem, now)).toEqual([
    'retrying round 2, stage train-reward, activity rlaif.trainReward: attempt 3 of 20 in 8 s (07:40:08 UTC); ' +
      'last error: connect ECONNREFUSED 127.0.0.1:9',
  ]);
  const { nextAttemptAt: _next, maximumAttempts: _max, ...running } = problem;
  expect(problemLines(running, now)[0]).toContain('attempt 3 (no limit) running; last error: connect');
});
