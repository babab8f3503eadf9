/** Failure classification: the one list of non-retryable error names decides, for every activity. */
import { ApplicationFailure } from '@temporalio/common';
import { classified } from '../../activities/context';
import { CapabilityError } from '../../src/capabilities/errors';
import { NON_RETRYABLE_ERRORS } from '../../src/contracts';
import { JudgeCoverageError } from '../../src/judges/coverage';
import { FineTuneError } from '../../src/policy/fine-tune-policy';
import { BatchJobError } from '../../src/providers/batch-api';
import { PermanentEndpointError, TransientEndpointError } from '../../src/providers/http-errors';

const failWith = (err: Error) => classified(() => Promise.reject(err));

describe('classified', () => {
  test('every listed name fails as a non-retryable ApplicationFailure of that type', async () => {
    for (const name of NON_RETRYABLE_ERRORS) {
      const err = Object.assign(new Error(`bad ${name}`), { name });
      const failure = await failWith(err).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ nonRetryable: true, type: name, message: `bad ${name}` });
    }
  });

  test('the error classes no retry can fix are on the list', async () => {
    const permanent = [
      new CapabilityError('x'),
      new JudgeCoverageError('x', 3, 'dead.jsonl'),
      new FineTuneError('x'),
      new BatchJobError('x'),
      new PermanentEndpointError('x', 'http://h (m)'),
    ];
    for (const err of permanent)
      expect(await failWith(err).catch((e: unknown) => e)).toMatchObject({
        nonRetryable: true,
        type: err.name,
      });
  });

  test('other errors are left to the retry policy, unchanged', async () => {
    const transient = new TransientEndpointError('503', 'http://h (m)');
    expect(await failWith(transient).catch((e: unknown) => e)).toBe(transient);
    const plain = new Error('disk full');
    expect(await failWith(plain).catch((e: unknown) => e)).toBe(plain);
  });
});
