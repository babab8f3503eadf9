/**
 * `rlaif worker` in a process of its own, from the same build as the bench, so the bench can
 * SIGKILL it like a crashed machine and time a replacement from spawn to polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The CLI entry of this build (dist/ under npm run bench, a .build-* folder in development). */
const CLI_MAIN = path.resolve(__dirname, '..', 'cli', 'main.js');
const LAUNCH = `require(${JSON.stringify(CLI_MAIN)}).main(['node', 'rlaif', ...process.argv.slice(1)]).then(() => process.exit(process.exitCode ?? 0))`;

export interface BenchWorker {
  child: ChildProcess;
  /** performance.now() at spawn. */
  spawnedAt: number;
  /** Resolves with performance.now() when the worker says it is polling. */
  ready: Promise<number>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `rlaif worker`; `extraArgs` go after the usual ones (e.g. --bundle-at-start). */
export function spawnBenchWorker(address: string, storeRoot: string, extraArgs: string[] = []): BenchWorker {
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    ['-e', LAUNCH, 'worker', '--address', address, '--store', storeRoot, '--log-level', 'WARN', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('worker polling task queue')) resolve(performance.now());
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`worker exited before polling:\n${out.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    spawnedAt,
    ready,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
