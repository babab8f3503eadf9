/** One line saying what a worker offers runs, printed when it starts. */
import type { WorkerCapabilities } from './worker-capabilities';

export function describeCapabilities(caps: WorkerCapabilities): string {
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  const { endpoints, trainers, dataRoots } = caps.spec;
  const offers =
    `endpoints: ${list(Object.keys(endpoints))}; trainers: ${list(Object.keys(trainers))}; ` +
    `data roots: ${list(Object.keys(dataRoots))}`;
  return caps.trustsRunConfigs
    ? `offering ${offers}; TRUSTING RUN CONFIGS: anyone who can start a run may make this worker run commands and send its keys anywhere`
    : `offering ${offers} (from ${caps.declaredIn})`;
}
