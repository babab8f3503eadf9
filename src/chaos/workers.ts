/**
 * Keeps one worker process running, the way a process manager would: when it dies (killed by
 * the suite, or by the store's commit hook) a replacement is started at once. The suite can
 * SIGKILL it and have the replacement armed with the commit-kill hook.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

/** How a worker process ended. */
export interface WorkerExit {
  pid: number;
  signal: NodeJS.Signals | null;
  code: number | null;
  /** The commit number it was armed to die at (RLAIF_CHAOS_KILL_ON_COMMIT), if any. */
  armedAt?: number;
  /** True when the suite killed it itself (not the hook, not a crash). */
  killedBySuite: boolean;
}

export class WorkerSupervisor {
  private child: ChildProcess | undefined;
  private armedAt: number | undefined;
  private nextArm: number | undefined;
  private killing = false;
  private stopping = false;
  private ready: Promise<void> = Promise.resolve();
  private tail = '';
  /** Workers in a row that exited before polling: a broken build must not respawn forever. */
  private failedStarts = 0;
  /** Every exit so far, in order. */
  readonly exits: WorkerExit[] = [];

  constructor(
    private readonly address: () => string,
    private readonly storeRoot: string,
    private readonly bundlePath: string,
  ) {}

  /** Starts the first worker and waits until it polls. */
  async start(): Promise<void> {
    this.spawnOne();
    await this.ready;
  }

  /** The running worker's pid. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last output of the workers, for error messages. */
  output(): string {
    return this.tail;
  }

  /**
   * SIGKILLs the running worker; its replacement starts at once, armed to SIGKILL itself at its
   * `armCommit`-th commit when given. Resolves when the replacement polls.
   */
  async kill(armCommit?: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.nextArm = armCommit;
    this.killing = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    await this.ready;
  }

  /**
   * Waits while the running worker is armed with the commit hook and alive, so that no other
   * fault replaces it before its commit kill fires; false when it did not fire in time.
   */
  async untilArmedFires(timeoutMs: number, isDone: () => boolean): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.armedAt !== undefined && !isDone()) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.armedAt === undefined;
  }

  /** Whether the running worker is armed with the commit hook. */
  get armed(): boolean {
    return this.armedAt !== undefined;
  }

  /** Replaces an armed worker by an unarmed one, so that its hook cannot strike the next run. */
  async disarm(): Promise<void> {
    if (this.armed) await this.kill();
  }

  /** Waits until a worker is polling (after a replacement was started). */
  async whenReady(): Promise<void> {
    await this.ready;
  }

  /** Stops the worker for good (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private spawnOne(): void {
    const arm = this.nextArm;
    this.nextArm = undefined;
    const env = { ...process.env };
    delete env.RLAIF_CHAOS_KILL_ON_COMMIT;
    if (arm !== undefined) env.RLAIF_CHAOS_KILL_ON_COMMIT = String(arm);
    const child = spawn(
      process.execPath,
      [path.join(__dirname, 'worker-main.js'), this.address(), this.storeRoot, this.bundlePath],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    this.child = child;
    this.armedAt = arm;
    const keep = (d: Buffer) => (this.tail = (this.tail + d.toString()).slice(-4000));
    child.stderr?.on('data', keep);
    let polling = false;
    this.ready = new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        keep(d);
        if (d.toString().includes('worker ready')) {
          polling = true;
          this.failedStarts = 0;
          resolve();
        }
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`chaos worker exited (${signal ?? code}) before polling:\n${this.tail}`)),
      );
    });
    // A replacement may die before anyone awaits it (the hook); the next kill() or start() reports it.
    this.ready.catch(() => undefined);
    child.once('exit', (code, signal) => {
      this.exits.push({
        pid: child.pid ?? -1,
        signal,
        code,
        ...(this.armedAt !== undefined ? { armedAt: this.armedAt } : {}),
        killedBySuite: this.killing,
      });
      this.killing = false;
      if (!polling) this.failedStarts++;
      if (!this.stopping && this.failedStarts < 3) this.spawnOne();
    });
  }
}
