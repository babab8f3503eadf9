/** A worker in its own process (`rlaif worker`), so a test can SIGKILL it like a crashed box. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const RLAIF_BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'rlaif.js');

/** The CLI compiled with these tests: dist/ under `npm test`, a private build folder in development. */
const BUILT_MAIN = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');

/**
 * Node arguments that run the CLI of this build: bin/rlaif.js, as a user runs it, when the tests
 * were compiled to dist/ (which it loads); otherwise the build's own entry (argv[1] is a
 * placeholder for the script name, which the CLI skips).
 */
function cliArgs(): string[] {
  if (BUILT_MAIN === path.resolve(RLAIF_BIN, '..', '..', 'dist', 'src', 'cli', 'main.js')) return [RLAIF_BIN];
  const launch = `require(${JSON.stringify(BUILT_MAIN)}).main(process.argv).then(() => process.exit(process.exitCode ?? 0))`;
  return ['-e', launch, '--', 'rlaif'];
}

/** Where a CLI process runs and what it sees besides this process's environment. */
export interface CliOptions {
  cwd?: string;
  /** The whole environment of the process (default: this process's, with TEMPORAL_ADDRESS set). */
  env?: NodeJS.ProcessEnv;
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnWorker(
  address: string,
  storeRoot: string,
  opts: CliOptions & { extraArgs?: string[] } = {},
): WorkerProcess {
  const args = ['worker', '--address', address, '--store', storeRoot, ...(opts.extraArgs ?? [])];
  const child = spawn(process.execPath, [...cliArgs(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? { ...process.env, TEMPORAL_ADDRESS: address },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Runs the CLI to completion and returns its exit code, stdout and stderr. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  opts: CliOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliArgs(), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Polls `check` every `everyMs` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60000,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
