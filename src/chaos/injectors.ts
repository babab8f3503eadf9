/**
 * The faults themselves. Each injector strikes at the moment the suite chose and reports what
 * really happened (an injector whose moment had passed says so instead of counting a fault).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ChaosCluster, ChaosS3 } from './cluster';
import { viewRound, waitForFailure } from './observe';
import { STAGES, type PlannedFault, type Stage } from './plan';
import { verifyCommitted } from './verify';
import type { WorkerSupervisor } from './workers';

/** One fault as injected: its table kind, where it struck, and whether it took effect. */
export interface InjectedFault {
  kind: string;
  round: number;
  stage: Stage;
  injected: boolean;
  note?: string;
}

export interface InjectContext {
  cluster: ChaosCluster;
  /** The worker of the run's config (the S3 runs have their own). */
  workers: WorkerSupervisor;
  /** The S3 side, in runs whose store is S3. */
  s3?: ChaosS3;
  runId: string;
  runKey: string;
  rounds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pad = (n: number) => String(n).padStart(4, '0');

/** SIGKILL of the worker while the stage's activity runs; optionally arming the replacement. */
export async function killWorker(
  ctx: InjectContext,
  at: { round: number; stage: Stage },
  armCommit?: number,
): Promise<InjectedFault> {
  await ctx.workers.kill(armCommit);
  return { kind: `kill:${at.stage}`, ...at, injected: true };
}

/** Stops the Temporal server and starts it again on the same SQLite file. */
export async function restartServer(
  ctx: InjectContext,
  at: { round: number; stage: Stage },
): Promise<InjectedFault> {
  await ctx.cluster.restartServer();
  return { kind: 'server-restart', ...at, injected: true };
}

/**
 * Flips a byte in a committed batch output of the stage before the next stage reads it. Only
 * done while another batch of the stage still runs, so the flip is certain to be read.
 */
export async function corruptArtifact(
  ctx: InjectContext,
  fault: PlannedFault,
  at: { round: number; stage: Stage },
): Promise<InjectedFault> {
  const base = { kind: 'corrupt-artifact', ...at };
  if (at.round !== fault.round || at.stage !== fault.stage) {
    return { ...base, injected: false, note: 'moment passed' };
  }
  const folder = `runs/${ctx.runKey}/round-${pad(fault.round)}/${fault.stage}`;
  const prefix = `${folder}/batch-${pad(fault.batch ?? 0)}-of-`;
  const next = STAGES[STAGES.indexOf(fault.stage) + 1] as Stage;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // Only while another batch of the stage still runs: then the next stage cannot have read it.
    const view = await viewRound(ctx.cluster.client, ctx.runId, fault.round);
    if (!view || view.closed || view.activities.some((a) => a.stage === next)) break;
    if (!view.activities.some((a) => a.stage === fault.stage)) break;
    const key = (await ctx.cluster.store.listCommitted(folder)).find(
      (k) => k.startsWith(prefix) && k.endsWith('.jsonl'),
    );
    if (key) {
      const file = ctx.cluster.store.pathOf(key);
      const bytes = fs.readFileSync(file);
      const i = Math.floor(bytes.length / 2);
      bytes[i] = (bytes[i] as number) ^ 0x01;
      fs.writeFileSync(file, bytes);
      return { ...base, injected: true, note: key };
    }
    await sleep(5);
  }
  return { ...base, injected: false, note: `no ${prefix}* before ${next} started` };
}

/**
 * Flips a byte in a committed artifact that is not a batch: the run's prepared train prompts, or
 * the policy of the round before this one. The next reader must catch it and have it made again.
 */
export function corruptStored(
  ctx: InjectContext,
  fault: PlannedFault,
  at: { round: number; stage: Stage },
): InjectedFault {
  const base = { kind: fault.kind, ...at };
  if (at.round !== fault.round || at.stage !== fault.stage)
    return { ...base, injected: false, note: 'moment passed' };
  const key =
    fault.kind === 'corrupt-prepared'
      ? `runs/${ctx.runKey}/prepare/train-prompts.jsonl`
      : `runs/${ctx.runKey}/round-${pad(fault.round - 1)}/optimize-policy/policy.onnx`;
  const file = ctx.cluster.store.pathOf(key);
  if (!fs.existsSync(file)) return { ...base, injected: false, note: `no ${key}` };
  const bytes = fs.readFileSync(file);
  const i = Math.floor(bytes.length / 2);
  bytes[i] = (bytes[i] as number) ^ 0x01;
  fs.writeFileSync(file, bytes);
  return { ...base, injected: true, note: key };
}

/**
 * Edits the first row of a generate batch's partial file so that it is still valid JSON (a digit
 * changed), then kills the worker: the retried attempt resumes from the file and must find the
 * row's checksum wrong. Only while a batch is half-way, else the moment has passed.
 */
export async function corruptPartial(
  ctx: InjectContext,
  at: { round: number; stage: Stage },
): Promise<InjectedFault> {
  const base = { kind: 'corrupt-partial', ...at };
  const folder = ctx.cluster.store.pathOf(`runs/${ctx.runKey}/round-${pad(at.round)}/${at.stage}`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const name of fs.existsSync(folder) ? fs.readdirSync(folder) : []) {
      if (!name.endsWith('.partial.jsonl')) continue;
      const file = path.join(folder, name);
      const text = fs.readFileSync(file, 'utf8');
      const end = text.indexOf('\n');
      const digit = end > 0 ? text.slice(65, end).search(/[0-9]/) : -1;
      if (digit < 0) continue;
      const i = 65 + digit;
      fs.writeFileSync(file, text.slice(0, i) + String((Number(text[i]) + 1) % 10) + text.slice(i + 1));
      await ctx.workers.kill();
      return { ...base, injected: true, note: `${name}: row 0 edited, worker killed` };
    }
    const view = await viewRound(ctx.cluster.client, ctx.runId, at.round);
    if (!view || view.closed || !view.activities.some((a) => a.stage === at.stage)) break;
    await sleep(5);
  }
  return { ...base, injected: false, note: 'no half-finished batch' };
}

/** Fills the store's tmpfs to the last byte with a file outside any artifact key. */
function fillDisk(root: string): string {
  const filler = path.join(root, '.chaos-filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  // Smaller writes still fit in the last partial chunk; fill those bytes too.
  const tail = fs.openSync(filler, 'a');
  try {
    for (;;) fs.writeSync(tail, Buffer.alloc(512));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(tail);
  }
  return filler;
}

/** Remounts the store read-only (or back); retried while a writer holds a file open. */
async function remount(root: string, mode: 'ro' | 'rw'): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync('mount', ['-o', `remount,${mode}`, root], { stdio: 'pipe' });
      return;
    } catch (err) {
      if (attempt >= 200) throw err;
      await sleep(10);
    }
  }
}

/**
 * A full disk or a read-only store while the stage runs: the activity's writes must fail with a
 * message a person can act on, the committed artifacts must stay intact, and once the fault is
 * removed the activity's next attempt must go on.
 */
export async function diskFault(
  ctx: InjectContext,
  kind: 'disk-full' | 'read-only',
  at: { round: number; stage: Stage },
): Promise<InjectedFault> {
  const root = ctx.cluster.storeRoot;
  const base = { kind, ...at };
  if (!ctx.cluster.storeMounted) return { ...base, injected: false, note: 'mount not permitted' };
  const before = await verifyCommitted(ctx.cluster.store, `runs/${ctx.runKey}/`);
  let filler: string | undefined;
  if (kind === 'disk-full') filler = fillDisk(root);
  else await remount(root, 'ro');
  let failures: Awaited<ReturnType<typeof waitForFailure>>;
  let after: Awaited<ReturnType<typeof verifyCommitted>>;
  try {
    failures = await waitForFailure(ctx.cluster.client, ctx.runId, ctx.rounds, /cannot be written/, 30_000);
    after = await verifyCommitted(ctx.cluster.store, `runs/${ctx.runKey}/`);
  } finally {
    if (filler) fs.rmSync(filler, { force: true });
    else await remount(root, 'rw');
  }
  const damaged = after.bad.filter((k) => !before.bad.includes(k));
  if (damaged.length > 0)
    throw new Error(`chaos: ${kind} damaged committed artifacts: ${damaged.join(', ')}`);
  if (after.ok < before.ok)
    throw new Error(`chaos: ${kind} lost committed artifacts (${before.ok} -> ${after.ok})`);
  if (failures.matched) return { ...base, injected: true, note: failures.matched };
  const seen = failures.seen.length > 0 ? ` (other failures: ${failures.seen.join(' | ')})` : '';
  return { ...base, injected: false, note: `no write attempted while the fault lasted${seen}` };
}
