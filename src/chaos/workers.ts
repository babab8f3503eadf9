/**
 * Keeps one worker process running, the way a process manager would: when it dies (killed by
 * the suite, or by the store's commit hook) a replacement is started at once. The suite can
 * SIGKILL it and have the replacement armed with the commit-kill hook, and ask it to stop at a
 * moment of its store (worker-main.ts: a commit held, a multipart upload in flight).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  /** Requests waiting for the worker's answer: sent again to a replacement that starts meanwhile. */
  private readonly requests = new Map<string, { reply: string; answer: (line: string) => void }>();

  constructor(
    private readonly address: () => string,
    private readonly store: string,
    private readonly bundlePath: string,
    private readonly options: { taskQueue?: string; env?: Record<string, string> } = {},
  ) {}

  /**
   * Sends `command` to the worker (and to any replacement started before it answers) and waits
   * for its line starting with `reply`; undefined when none came in time or the run ended (the
   * worker is then told to forget the command).
   */
  async request(
    command: string,
    reply: string,
    timeoutMs: number,
    isDone: () => boolean,
  ): Promise<string | undefined> {
    let line: string | undefined;
    this.requests.set(command, { reply, answer: (l) => (line = l) });
    this.send(command);
    const deadline = Date.now() + timeoutMs;
    while (line === undefined && !isDone() && Date.now() < deadline) await sleep(5);
    this.requests.delete(command);
    if (line === undefined) this.send('disarm');
    return line;
  }

  /** Tells the worker to go on from where the store holds (a held commit). */
  release(): void {
    this.send('release');
  }

  private send(line: string): void {
    const stdin = this.child?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(`${line}\n`, () => undefined);
  }

  private onLine(line: string): void {
    for (const [command, r] of this.requests) {
      if (!line.startsWith(r.reply)) continue;
      this.requests.delete(command);
      r.answer(line);
    }
  }

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
    Object.assign(env, this.options.env ?? {});
    const child = spawn(
      process.execPath,
      [
        path.join(__dirname, 'worker-main.js'),
        this.address(),
        this.store,
        this.bundlePath,
        ...(this.options.taskQueue ? [this.options.taskQueue] : []),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'], env },
    );
    // A worker killed while the suite writes to it must not take the suite down (EPIPE).
    child.stdin?.on('error', () => undefined);
    this.child = child;
    this.armedAt = arm;
    const keep = (d: Buffer) => (this.tail = (this.tail + d.toString()).slice(-4000));
    child.stderr?.on('data', keep);
    let polling = false;
    let partial = '';
    this.ready = new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        keep(d);
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line === 'worker ready') {
            polling = true;
            this.failedStarts = 0;
            // Requests the killed worker did not answer go to its replacement.
            for (const command of this.requests.keys()) this.send(command);
            resolve();
          } else {
            this.onLine(line);
          }
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
