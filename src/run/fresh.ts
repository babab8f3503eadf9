/** A new artifact namespace for a workflow id, for `rlaif start --fresh`. */
import { randomBytes } from 'node:crypto';
import { runKeyFor } from '../store/artifact';

/** The id's run key plus a random suffix: a namespace no earlier run used. */
export function freshRunKey(workflowId: string): string {
  return `${runKeyFor(workflowId).slice(0, 110)}-${randomBytes(4).toString('hex')}`;
}
