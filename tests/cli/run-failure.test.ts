/** A failed run's message for the CLI: the innermost failure and where it happened. */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, RetryState } from '@temporalio/common';
import { runFailureMessage } from '../../src/cli/runs';

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
    'run run-1 failed in workflow run-1-round-1 > activity rlaif.generate (not retried: a retry cannot fix it):\n' +
      'inputs/train.jsonl:3: duplicate id "p0"',
  );
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
  ).toBe('run run-2 failed in activity rlaif.judge (after its last attempt):\nHTTP 500');
  expect(runFailureMessage(new Error('connection refused'), 'run-3')).toBeUndefined();
});
