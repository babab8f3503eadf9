/** One line saying what a worker offers runs, printed when it starts. */
import type { WorkerCapabilities } from './worker-capabilities';

export function describeCapabilities(caps: WorkerCapabilities): string {
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  const { endpoints, trainers, dataRoots } = caps.spec;
  const offers =
    `endpoints: ${list(Object.keys(endpoints))}; trainers: ${list(Object.keys(trainers))}; ` +
    `data roots: ${list(Object.keys(dataRoots))}`;
  if (caps.trustsRunConfigs)
    return `offering ${offers}; TRUSTING RUN CONFIGS: anyone who can start a run may make this worker run commands and send its keys anywhere`;
  const none = Object.keys({ ...endpoints, ...trainers, ...dataRoots }).length === 0;
  return none
    ? 'offering no endpoints, trainers or data roots: runs of the embedded models only (declare more with --worker-config FILE)'
    : `offering ${offers} (from ${caps.declaredIn})`;
}
