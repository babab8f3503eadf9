/**
 * `npm run chaos`: the fault-injection suite (see docs/chaos.md). Progress goes to stderr; the
 * table and, on its last line, the same figures as one JSON object go to stdout. Exits 1 when a
 * run lost, duplicated or changed anything.
 *
 * Options (environment): CHAOS_SEED (first fault seed, default 1), CHAOS_LOCAL_RUNS (default 5),
 * CHAOS_HTTP_RUNS (default 2), CHAOS_S3_RUNS (default 2), CHAOS_ROUNDS (default 2), CHAOS_ENDPOINT_FAULT_RATE (default 0.1),
 * CHAOS_REPORT (a file for every run's faults and checks, as JSON).
 */
import { writeFileSync } from 'node:fs';
import { runChaosSuite } from './suite';
import { failures, figuresOf, formatTable } from './table';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
};

async function main(): Promise<void> {
  const result = await runChaosSuite({
    seed: num('CHAOS_SEED', 1),
    runs: { local: num('CHAOS_LOCAL_RUNS', 5), http: num('CHAOS_HTTP_RUNS', 2), s3: num('CHAOS_S3_RUNS', 2) },
    rounds: num('CHAOS_ROUNDS', 2),
    endpointFaultRate: num('CHAOS_ENDPOINT_FAULT_RATE', 0.1),
    log: (line) => process.stderr.write(`[chaos] ${line}\n`),
  });
  const fig = figuresOf(result);
  // Every run's faults (where each struck, what it did) and checks, for a closer look.
  if (process.env.CHAOS_REPORT) writeFileSync(process.env.CHAOS_REPORT, JSON.stringify(result, null, 2));
  process.stdout.write(`${formatTable(fig).join('\n')}\n`);
  process.stdout.write(`${JSON.stringify(fig)}\n`);
  process.exitCode = failures(fig).length > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
