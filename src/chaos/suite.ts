/**
 * The chaos suite: real runs on a real dev server with a worker process, each disturbed by the
 * faults its seed chooses, each checked against the undisturbed run of the same config (computed
 * once per config). Two configs: the embedded models (every stage in the worker), and the same
 * loop with policy and judge behind the local model server's OpenAI protocol, reached through
 * the fault proxy.
 */
import { parseRunConfig } from '../config/parse';
import type { RunConfigInput } from '../config/schema';
import { startRun } from '../cli/runs';
import { FAULT_KINDS, startFaultProxy, type FaultProxy } from '../../devtools/fault-proxy';
import { seedFrom } from '../util/rng';
import type { RunSummary } from '../../workflows/run';
import { checkRun, type RunCheck, type RunOutcome } from './check';
import { startChaosCluster, type ChaosCluster } from './cluster';
import {
  corruptArtifact,
  corruptStored,
  corruptPartial,
  diskFault,
  killWorker,
  restartServer,
  type InjectContext,
  type InjectedFault,
} from './injectors';
import { waitForStage } from './observe';
import { planFaults, STAGES, type PlannedKind, type Stage } from './plan';
import { verifyCommitted } from './verify';

export type ConfigName = 'local' | 'http';

export interface SuiteOptions {
  /** Disturbed runs of each config. */
  runs: { local: number; http: number };
  /** The first fault seed; run i uses seed + i. */
  seed: number;
  /** Rounds per run. */
  rounds: number;
  /** Share of endpoint requests the fault proxy fails in http runs. */
  endpointFaultRate: number;
  /** Only these planned kinds (all when omitted), e.g. for a quick slice of the suite. */
  only?: PlannedKind[];
  log: (line: string) => void;
}

export interface RunReport {
  id: string;
  config: ConfigName;
  seed: number;
  seconds: number;
  faults: InjectedFault[];
  check: RunCheck;
}

/** Generate batches of 8 prompts: the round workflow decides how many activities run them. */
const BATCHES = 4;
/** Longest a disturbed run may take; the slowest so far took about two minutes. */
const RUN_TIMEOUT_MS = 10 * 60_000;

/** The configs, small enough for two CPU cores; `endpointUrl` is where policy and judge are served. */
export function chaosConfig(name: ConfigName, rounds: number, endpointUrl?: string): RunConfigInput {
  const base: RunConfigInput = {
    name: `chaos-${name}`,
    seed: 7,
    rounds,
    concurrency: 2,
    data: { kind: 'demo', trainPrompts: 8 * BATCHES, evalPrompts: 32, sftExamples: 300 },
    generate: { batchSize: 8 },
    judge: { batchSize: 8 },
    policy: { optimizer: { steps: 4, promptsPerStep: 8 } },
    rewardModel: { epochs: 30 },
    timeouts: { heartbeatSeconds: 2 },
  };
  if (name === 'local') return base;
  // A hang outlasts the request timeout, so the client aborts and retries it.
  const endpoint = { baseURL: endpointUrl as string, timeoutMs: 1500, maxConcurrency: 4 };
  return {
    ...base,
    endpoints: {
      policy: { ...endpoint, model: '{policy}' },
      judge: { ...endpoint, model: 'local-judge' },
    },
    generate: { batchSize: 8, endpoint: 'policy' },
    judge: { batchSize: 8, kind: 'llm', endpoint: 'judge' },
    timeouts: { heartbeatSeconds: 5 },
  };
}

/** Starts a run and waits for it; a failure is an outcome too (its message is the reason). */
async function runToEnd(
  cluster: ChaosCluster,
  id: string,
  config: RunConfigInput,
  during?: (isDone: () => boolean) => Promise<void>,
): Promise<RunOutcome> {
  const handle = await startRun(cluster.client, parseRunConfig(config), { workflowId: id });
  let done = false;
  // A run that hangs is a finding, not a reason for the suite to hang: it is ended and reported.
  const timer = setTimeout(() => {
    void handle
      .terminate(`chaos: no result within ${RUN_TIMEOUT_MS / 60_000} minutes`)
      .catch(() => undefined);
  }, RUN_TIMEOUT_MS);
  const result = (handle.result() as Promise<RunSummary>).then(
    (summary) => ({ runKey: summary.runKey, summary }),
    (err: unknown) => ({ runKey: id, error: causeOf(err) }),
  );
  void result.finally(() => {
    done = true;
    clearTimeout(timer);
  });
  if (during) await during(() => done);
  return result;
}

/** The innermost message of a workflow failure (the activity's own error). */
function causeOf(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let message = String(err);
  while (e) {
    if (e.message) message = e.message;
    e = e.cause as typeof e;
  }
  return message;
}

/** Applies a run's planned faults in order, each when its stage is running. */
async function inject(
  ctx: InjectContext,
  seed: number,
  batches: number,
  only: PlannedKind[] | undefined,
  isDone: () => boolean,
): Promise<InjectedFault[]> {
  const { cluster } = ctx;
  const plan = planFaults(seed, {
    rounds: ctx.rounds,
    diskFaults: cluster.storeMounted,
    batches,
  }).filter((f) => !only || only.includes(f.kind));
  const out: InjectedFault[] = [];
  const exitsBefore = cluster.workers.exits.length;
  for (const fault of plan) {
    const at = await waitForStage(cluster.client, ctx.runId, fault, ctx.rounds, isDone);
    if (!at) {
      out.push({
        kind: fault.kind,
        round: fault.round,
        stage: fault.stage,
        injected: false,
        note: 'run ended',
      });
      continue;
    }
    switch (fault.kind) {
      case 'kill-worker':
        out.push(await killWorker(ctx, at));
        break;
      case 'kill-on-commit':
        out.push(await killWorker(ctx, at, fault.commit));
        // No other fault may replace the armed worker before its commit kill fires.
        await cluster.workers.untilArmedFires(120_000, isDone);
        break;
      case 'server-restart':
        out.push(await restartServer(ctx, at));
        break;
      case 'corrupt-artifact':
        out.push(await corruptArtifact(ctx, fault, at));
        break;
      case 'corrupt-prepared':
      case 'corrupt-policy':
        out.push(corruptStored(ctx, fault, at));
        break;
      case 'corrupt-partial':
        out.push(await corruptPartial(ctx, at));
        break;
      case 'disk-full':
      case 'read-only':
        out.push(await diskFault(ctx, fault.kind, at));
        break;
    }
  }
  // Commit kills happen when the armed worker reaches its commit, maybe after the loop above.
  while (!isDone()) await new Promise((r) => setTimeout(r, 50));
  if (cluster.workers.armed) {
    await cluster.workers.disarm();
    const planned = plan.find((f) => f.kind === 'kill-on-commit');
    out.push({
      kind: 'kill-on-commit',
      round: planned?.round ?? 0,
      stage: planned?.stage ?? 'generate',
      injected: false,
      note: 'the run ended before the armed commit',
    });
  }
  for (const exit of cluster.workers.exits.slice(exitsBefore)) {
    if (exit.armedAt === undefined || exit.killedBySuite || exit.signal !== 'SIGKILL') continue;
    const audit = await verifyCommitted(cluster.store, `runs/${ctx.runKey}/`);
    const temp = audit.orphanTemps.find((t) => t.includes(`.tmp-${exit.pid}-`));
    const m = temp ? /round-(\d+)\/([^/]+)\//.exec(temp) : null;
    const stage = (m && STAGES.includes(m[2] as Stage) ? m[2] : 'generate') as Stage;
    out.push({
      kind: 'kill-on-commit',
      round: m ? Number(m[1]) : 0,
      stage,
      injected: true,
      note: temp
        ? `killed before renaming ${temp}`
        : `worker ${exit.pid} killed itself at commit ${exit.armedAt}`,
    });
  }
  return out;
}

/** Endpoint faults the proxy injected, as table rows (one per faulted request). */
function endpointFaults(proxy: FaultProxy): InjectedFault[] {
  const out: InjectedFault[] = [];
  for (const [kind, n] of Object.entries(proxy.stats().faults)) {
    for (let i = 0; i < n; i++)
      out.push({ kind: `endpoint:${kind}`, round: 0, stage: 'generate', injected: true });
  }
  return out;
}

export interface SuiteResult {
  reports: RunReport[];
  storeMounted: boolean;
  seconds: number;
}

export async function runChaosSuite(opts: SuiteOptions): Promise<SuiteResult> {
  const t0 = performance.now();
  const cluster = await startChaosCluster();
  const reports: RunReport[] = [];
  try {
    const ref: Partial<Record<ConfigName, RunOutcome>> = {};
    const batches: Partial<Record<ConfigName, number>> = {};
    const reference = async (name: ConfigName): Promise<RunOutcome> => {
      if (ref[name]) return ref[name];
      const config = chaosConfig(name, opts.rounds, cluster.modelServer.url);
      const outcome = await runToEnd(cluster, `chaos-${name}-reference`, config);
      if (!outcome.summary) throw new Error(`chaos: the undisturbed ${name} run failed: ${outcome.error}`);
      opts.log(`reference ${name}: ${JSON.stringify(outcome.summary.history.at(-1)?.metrics ?? {})}`);
      ref[name] = outcome;
      // How many batches the round workflow made of generate (and so of judge) for this config.
      const generated = await cluster.store.listCommitted(`runs/${outcome.runKey}/round-0001/generate`);
      batches[name] = generated.filter((k) => /\/batch-\d+-of-\d+\.jsonl$/.test(k)).length;
      return outcome;
    };
    const order: ConfigName[] = [
      ...Array.from({ length: opts.runs.local }, () => 'local' as const),
      ...Array.from({ length: opts.runs.http }, () => 'http' as const),
    ];
    for (const [i, name] of order.entries()) {
      const seed = opts.seed + i;
      const reference0 = await reference(name);
      const id = `chaos-${name}-seed-${seed}`;
      const t = performance.now();
      let proxy: FaultProxy | undefined;
      if (name === 'http') {
        proxy = await startFaultProxy({
          target: cluster.modelServer.url,
          plan: {
            seed: seedFrom(seed, 'endpoint'),
            rate: opts.endpointFaultRate,
            kinds: [...FAULT_KINDS],
            retryAfterSeconds: 1,
            hangMs: 3000,
          },
        });
      }
      const faults: InjectedFault[] = [];
      try {
        const config = chaosConfig(name, opts.rounds, proxy?.url ?? cluster.modelServer.url);
        const ctx: InjectContext = { cluster, runId: id, runKey: id, rounds: opts.rounds };
        const outcome = await runToEnd(cluster, id, config, async (isDone) => {
          faults.push(...(await inject(ctx, seed, batches[name] ?? 1, opts.only, isDone)));
        });
        // A flipped byte must have been caught on read and its batch recomputed.
        const quarantined = new Set((await cluster.store.quarantineLog()).map((q) => q.key));
        for (const f of faults) {
          if (
            (f.kind === 'corrupt-artifact' || f.kind === 'corrupt-prepared' || f.kind === 'corrupt-policy') &&
            f.injected &&
            f.note
          ) {
            f.note = `${f.note}: ${quarantined.has(f.note) ? 'detected on read, recomputed' : 'NOT DETECTED'}`;
          }
        }
        if (proxy) faults.push(...endpointFaults(proxy));
        const check = await checkRun(cluster.store, reference0, outcome);
        const report: RunReport = {
          id,
          config: name,
          seed,
          seconds: (performance.now() - t) / 1000,
          faults,
          check,
        };
        reports.push(report);
        opts.log(
          `${id}: ${check.completed ? 'completed' : `FAILED (${check.failure})`} in ${report.seconds.toFixed(0)} s; ` +
            `${faults.filter((f) => f.injected).length} faults; lost ${check.lost}, duplicated ${check.duplicated}, ` +
            `differing ${check.differing.length}${check.differing.length ? ` (${check.differing.slice(0, 3).join('; ')})` : ''}`,
        );
      } finally {
        await proxy?.close();
      }
    }
  } finally {
    await cluster.close();
  }
  return { reports, storeMounted: cluster.storeMounted, seconds: (performance.now() - t0) / 1000 };
}
