/**
 * The plain script of the durability tax, in a process of its own: a user's plain script is a
 * process of its own, and the bench process also hosts the Temporal worker, whose heap (the
 * store's read cache, bundles, histories) would otherwise slow the plain runs' garbage
 * collection and make Temporal look cheaper than it is.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { runInProcess, type InProcessOptions } from '../loop/in-process';

/** One plain run, as the bench needs it. */
export interface PlainSample {
  seconds: number;
  /** CPU seconds of the plain process (all its threads) during the run. */
  cpu: number;
  winRate: number;
  /** Seconds by stage, summed over rounds (prepare included). */
  stages: Record<string, number>;
}

interface Request {
  id: number;
  opts: InProcessOptions;
}
type Reply = { id: number; sample: PlainSample } | { id: number; error: string };

export interface PlainProcess {
  run(opts: InProcessOptions): Promise<PlainSample>;
  close(): Promise<void>;
}

/** Runs `opts` in this process and times it. */
export async function timePlainRun(opts: InProcessOptions): Promise<PlainSample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const plain = await runInProcess(opts);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const stages: Record<string, number> = { prepare: plain.seconds.prepare };
  for (const r of plain.rounds)
    for (const [stage, s] of Object.entries(r.seconds)) stages[stage] = (stages[stage] ?? 0) + s;
  return {
    seconds,
    cpu: (cpu.user + cpu.system) / 1e6,
    winRate: plain.rounds.at(-1)?.evaluation.winRate ?? NaN,
    stages,
  };
}

/** Starts the plain process; its runs go one at a time. */
export function startPlainProcess(): PlainProcess {
  const child: ChildProcess = fork(path.join(__dirname, 'plain-process.js'), ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(s: PlainSample): void; reject(e: Error): void }>();
  let next = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) p?.reject(new Error(`plain run failed: ${reply.error}`));
    else p?.resolve(reply.sample);
  });
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error('the plain process exited'));
    pending.clear();
  });
  return {
    run(opts) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, opts } satisfies Request);
      });
    },
    async close() {
      child.kill();
      await exited;
    },
  };
}

// The forked side: run what the bench asks, one request at a time.
if (require.main === module && process.argv.includes('--serve')) {
  let queue = Promise.resolve();
  process.on('message', (req: Request) => {
    queue = queue.then(async () => {
      try {
        process.send?.({ id: req.id, sample: await timePlainRun(req.opts) } satisfies Reply);
      } catch (err) {
        process.send?.({ id: req.id, error: (err as Error).stack ?? String(err) } satisfies Reply);
      }
    });
  });
}
