/**
 * The external trainer contract: run a training command (a TRL, OpenRLHF or verl script on a GPU
 * worker, or anything else) as a child process, hand it a JSON spec, and follow its progress
 * through JSON lines on stdout. The activity that calls this turns progress into heartbeats and
 * passes Temporal's cancellation signal through, so a cancelled or timed-out run kills the whole
 * process group instead of leaving a GPU job behind; a retried attempt finds the newest
 * `checkpoint-<step>` in the output folder and hands it to the trainer as `resumeFrom`, so a
 * crash costs at most the steps since the last checkpoint.
 *
 * The protocol, in short (docs/external-trainer.md has the whole of it):
 *   argv:   command..., <workDir>/spec.json     env: RLAIF_TRAINER_SPEC=<workDir>/spec.json
 *   stdout: {"event":"progress","step":N,"total":M,"loss":x,...}
 *           {"event":"checkpoint","path":"...","step":N}
 *           {"event":"done","checkpoint":"...","servedAs":{"baseURL":"...","model":"..."},"metrics":{...}}
 *           anything else is a log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir, readdir, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { TrainerDataFormat } from './trainer-data';
import { writeFileAtomic } from './trainer-data';
import {
  InvalidInputError,
  TrainerFailedError,
  TrainerStartupError,
  TrainerTimeoutError,
} from './trainer-errors';

/** The training methods a spec can ask for. */
export type TrainerMethod = 'dpo' | 'ppo' | 'grpo' | 'rloo' | 'sft';

const METHODS: readonly TrainerMethod[] = ['dpo', 'ppo', 'grpo', 'rloo', 'sft'];
const FORMATS: readonly TrainerDataFormat[] = ['trl-standard', 'trl-conversational', 'prompts'];

/** The env var that holds the spec's path (it is also the command's last argument). */
export const TRAINER_SPEC_ENV = 'RLAIF_TRAINER_SPEC';

/** What the trainer is asked to do; written as JSON to `<workDir>/spec.json`. Paths are absolute. */
export interface TrainerSpec {
  version: 1;
  method: TrainerMethod;
  /** The starting weights: a path, or a model name the trainer can load (e.g. a Hub id). */
  baseCheckpoint: string;
  /** The fixed reference policy of KL-regularized methods; the trainer's default when absent (usually the base). */
  referenceCheckpoint?: string;
  /** The training data, in `dataFormat`. */
  dataFile: string;
  dataFormat: TrainerDataFormat;
  /** Where the trainer writes `checkpoint-<step>` entries and its final weights. */
  outputDir: string;
  /** The newest checkpoint in `outputDir` when the run started, if any: continue from it. */
  resumeFrom?: string;
  /** Method hyperparameters, passed through as given (beta, learning_rate, ...). */
  hyperparameters: Record<string, number | string | boolean>;
  seed: number;
}

/** One progress line of the trainer. */
export interface TrainerProgress {
  step: number;
  total?: number;
  loss?: number;
  /** Every other numeric field of the line (learning rate, reward margins, epoch, ...). */
  metrics: Record<string, number>;
}

/** Where the trained policy can be reached, when the trainer also serves it (e.g. a vLLM reload). */
export interface ServedModel {
  baseURL: string;
  model: string;
}

/** The outcome of a finished trainer run. */
export interface TrainerResult {
  /** The final checkpoint from the done line, resolved against `workDir`. */
  checkpoint: string;
  servedAs?: ServedModel;
  metrics: Record<string, number | string | boolean>;
  /** Whether the run continued from a checkpoint found in `outputDir`. */
  resumed: boolean;
  /** The checkpoint it continued from, and that checkpoint's step. */
  resumeFrom?: string;
  resumeStep?: number;
  /** The last step a progress line reported (the resume step when none did). */
  finalStep: number;
  /** finalStep − resumeStep: how many steps this run did. */
  stepsRun: number;
  /** Checkpoints announced by checkpoint lines during this run, in order. */
  checkpoints: string[];
  /** The spec as written, and where. */
  spec: TrainerSpec;
  specPath: string;
  durationMs: number;
}

/** Options of `runExternalTrainer`. */
export interface ExternalTrainerOptions {
  /** The argv of the trainer (no shell); the spec's path is appended as the last argument. */
  command: string[];
  /** The stage's folder: `spec.json` is written here, and the trainer runs here unless `cwd` says otherwise. Created if missing. */
  workDir: string;
  /** The trainer's working folder, when its owner declared one; relative paths it prints are taken from it. */
  cwd?: string;
  spec: TrainerSpec;
  /**
   * The trainer's whole environment (plus RLAIF_TRAINER_SPEC): it inherits nothing else from the
   * worker, whose environment holds keys the trainer has no business seeing. Default: PATH, HOME,
   * LANG and TMPDIR of this process.
   */
  env?: Record<string, string>;
  onProgress?: (p: TrainerProgress) => void;
  onCheckpoint?: (path: string, step: number | undefined) => void;
  /** Every log line (not events), e.g. for the worker's logger. */
  onLog?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Kills the process group: SIGTERM, then SIGKILL after `killGraceMs`. Rejects with an AbortError. */
  signal?: AbortSignal;
  /** Kills the trainer after this long and rejects with a TrainerTimeoutError. */
  timeoutMs?: number;
  /** How long a trainer gets to exit after SIGTERM before SIGKILL; default 10 s. */
  killGraceMs?: number;
  /** Look for a checkpoint to resume from when `spec.resumeFrom` is not set; default true. */
  resume?: boolean;
}

/** The environment a trainer gets when its caller gives none: enough to find programs, no secrets. */
export function baseEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** How many output lines are kept for error messages. */
export const OUTPUT_TAIL_LINES = 50;

const CHECKPOINT_NAME = /^checkpoint-(\d+)(?:\.([A-Za-z0-9]+))?$/;
const PARTIAL_EXTENSIONS = new Set(['tmp', 'partial', 'part', 'lock']);

/** The file Hugging Face's Trainer writes last into a checkpoint folder. */
const TRAINER_STATE = 'trainer_state.json';

/**
 * The newest complete checkpoint in a folder: the `checkpoint-<step>` entry (a folder, as TRL
 * writes them, or a file such as `checkpoint-40.onnx`) with the highest step. A trainer killed
 * mid-save leaves incomplete entries behind, so these are skipped: temporary names (.tmp, .part,
 * .partial, .lock), empty files and folders, and, when the trainer marks its checkpoint folders
 * with `trainer_state.json` (Hugging Face's Trainer writes it last), folders without one.
 */
export async function findLatestCheckpoint(
  outputDir: string,
): Promise<{ path: string; step: number } | undefined> {
  let names: string[];
  try {
    names = await readdir(outputDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const candidates = names
    .map((name) => ({ name, m: CHECKPOINT_NAME.exec(name) }))
    .filter((c) => c.m && !PARTIAL_EXTENSIONS.has((c.m[2] ?? '').toLowerCase()))
    .map((c) => ({ path: join(outputDir, c.name), step: Number((c.m as RegExpExecArray)[1]) }))
    .sort((a, b) => b.step - a.step);
  const found = await Promise.all(
    candidates.map(async (c) => {
      const s = await stat(c.path).catch(() => undefined);
      const entries = s?.isDirectory() ? await readdir(c.path).catch(() => []) : undefined;
      return { ...c, s, entries };
    }),
  );
  const marked = found.some((c) => c.entries?.includes(TRAINER_STATE));
  for (const c of found) {
    if (!c.s) continue;
    if (c.entries && (c.entries.length === 0 || (marked && !c.entries.includes(TRAINER_STATE)))) continue;
    if (c.s.isFile() && c.s.size === 0) continue;
    return { path: c.path, step: c.step };
  }
  return undefined;
}

/** Checks a spec and returns it with absolute paths; problems are InvalidInputErrors. */
export async function validateTrainerSpec(spec: TrainerSpec): Promise<TrainerSpec> {
  const problems: string[] = [];
  if (spec.version !== 1) problems.push(`version must be 1, got ${String(spec.version)}`);
  if (!METHODS.includes(spec.method)) problems.push(`method must be one of ${METHODS.join(', ')}`);
  if (!FORMATS.includes(spec.dataFormat)) problems.push(`dataFormat must be one of ${FORMATS.join(', ')}`);
  if (['ppo', 'grpo', 'rloo'].includes(spec.method) && spec.dataFormat !== 'prompts') {
    problems.push(`method ${spec.method} samples its own responses: dataFormat must be "prompts"`);
  }
  if (spec.method === 'dpo' && spec.dataFormat === 'prompts') {
    problems.push('method dpo needs preference data: dataFormat "trl-standard" or "trl-conversational"');
  }
  if (typeof spec.baseCheckpoint !== 'string' || spec.baseCheckpoint === '')
    problems.push('baseCheckpoint must be a path or a model name');
  if (typeof spec.outputDir !== 'string' || spec.outputDir === '') problems.push('outputDir must be a path');
  if (!Number.isInteger(spec.seed)) problems.push(`seed must be an integer, got ${String(spec.seed)}`);
  for (const [k, v] of Object.entries(spec.hyperparameters ?? {})) {
    if (!['number', 'string', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v)))
      problems.push(`hyperparameters.${k} must be a finite number, a string or a boolean`);
  }
  const dataFile = typeof spec.dataFile === 'string' && spec.dataFile !== '' ? resolve(spec.dataFile) : '';
  if (!dataFile) problems.push('dataFile must be a path');
  else if (!(await stat(dataFile).catch(() => undefined))?.isFile())
    problems.push(`dataFile ${dataFile} does not exist`);
  if (problems.length > 0) throw new InvalidInputError(`invalid trainer spec: ${problems.join('; ')}`);
  // A base that exists on disk is passed as an absolute path; anything else is a model name.
  const absIfLocal = async (p: string) => {
    const abs = resolve(p);
    return isAbsolute(p) || (await stat(abs).catch(() => undefined)) ? abs : p;
  };
  return {
    ...spec,
    baseCheckpoint: await absIfLocal(spec.baseCheckpoint),
    ...(spec.referenceCheckpoint !== undefined
      ? { referenceCheckpoint: await absIfLocal(spec.referenceCheckpoint) }
      : {}),
    dataFile,
    outputDir: resolve(spec.outputDir),
    ...(spec.resumeFrom !== undefined ? { resumeFrom: resolve(spec.resumeFrom) } : {}),
    hyperparameters: { ...(spec.hyperparameters ?? {}) },
  };
}

/** Where a trainer command was found, or why it cannot be run. */
export type TrainerCommandLookup =
  { found: true; path: string } | { found: false; reason: 'missing' | 'not-executable'; message: string };

async function executableFile(path: string): Promise<'ok' | 'missing' | 'not-executable'> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile()) return 'missing';
  return access(path, constants.X_OK).then(
    () => 'ok' as const,
    () => 'not-executable' as const,
  );
}

/**
 * Finds the trainer's executable the way spawn will: a name with a slash is a path (relative
 * ones from `cwd`), a bare name is looked up on PATH. Lets a caller reject a command that cannot
 * run before any work is done, instead of after a round's generation and judging.
 */
export async function findTrainerCommand(
  command: readonly string[],
  cwd = process.cwd(),
  path = process.env.PATH ?? '',
): Promise<TrainerCommandLookup> {
  const cmd = command[0] ?? '';
  if (cmd === '') return { found: false, reason: 'missing', message: 'the trainer command is empty' };
  if (cmd.includes('/')) {
    const abs = resolve(cwd, cmd);
    const state = await executableFile(abs);
    if (state === 'ok') return { found: true, path: abs };
    return state === 'missing'
      ? { found: false, reason: 'missing', message: `trainer command "${cmd}" was not found at ${abs}` }
      : {
          found: false,
          reason: 'not-executable',
          message: `trainer command "${cmd}" (${abs}) is not executable`,
        };
  }
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(resolve(cwd, dir), cmd);
    if ((await executableFile(candidate)) === 'ok') return { found: true, path: candidate };
  }
  return {
    found: false,
    reason: 'missing',
    message: `trainer command "${cmd}" was not found on PATH: install it or give its full path`,
  };
}

/** Exit codes above 128 are how shells report a child killed by signal 128+n (e.g. 137: SIGKILL). */
const SIGNAL_EXIT_BASE = 128;

/** The longest partial line kept while waiting for its newline. */
const MAX_PENDING_LINE = 64 * 1024;

/** What a terminal shows of a line: a carriage return redraws it (progress bars), so keep the last draw. */
function visible(line: string): string {
  const t = line.endsWith('\r') ? line.slice(0, -1) : line;
  return t.slice(t.lastIndexOf('\r') + 1);
}

/** Splits a stream into lines, across chunk boundaries, with bounded memory. */
class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    let rest = parts.pop() ?? '';
    // A tqdm bar on stderr never ends its line: keep only its last draw, and never more than a cap.
    if (rest.includes('\r')) rest = rest.slice(rest.lastIndexOf('\r') + 1);
    this.rest = rest.length > MAX_PENDING_LINE ? rest.slice(-MAX_PENDING_LINE) : rest;
    for (const p of parts) this.onLine(visible(p));
  }
  end(): void {
    if (this.rest !== '') this.onLine(visible(this.rest));
    this.rest = '';
  }
}

/** An event line, or undefined when the line is not one (then it is a log line). */
function parseEvent(line: string): Record<string, unknown> | undefined {
  const t = line.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (typeof v === 'object' && v !== null && typeof (v as { event?: unknown }).event === 'string') {
      return v as Record<string, unknown>;
    }
  } catch {
    // Not JSON after all: an ordinary log line.
  }
  return undefined;
}

function progressOf(e: Record<string, unknown>): TrainerProgress | undefined {
  if (typeof e.step !== 'number' || !Number.isFinite(e.step)) return undefined;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k !== 'event' && k !== 'step' && k !== 'total' && k !== 'loss' && typeof v === 'number')
      metrics[k] = v;
  }
  return {
    step: e.step,
    ...(typeof e.total === 'number' ? { total: e.total } : {}),
    ...(typeof e.loss === 'number' ? { loss: e.loss } : {}),
    metrics,
  };
}

function abortError(reason: string): Error {
  const err = new Error(reason);
  err.name = 'AbortError';
  return err;
}

/** Trainers still running, so that a worker that exits takes them down with it. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A detached trainer would outlive its worker and race the retried attempt for outputDir.
    process.once('exit', () => running.forEach((c) => killGroup(c, 'SIGKILL')));
  }
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The child leads its own process group (detached), so this reaches the trainer's children too.
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Runs an external trainer to completion. Resolves with the done line's checkpoint; rejects with
 * InvalidInputError (bad spec, command not found or not executable: a retry cannot help),
 * TrainerFailedError (non-zero exit, killed, or no done line; carries the output tail),
 * TrainerTimeoutError, or an Error named AbortError when `signal` fires. In every rejecting case
 * but a spawn failure, the process group has exited before the promise settles.
 */
export async function runExternalTrainer(opts: ExternalTrainerOptions): Promise<TrainerResult> {
  const started = Date.now();
  if (!Array.isArray(opts.command) || opts.command.length === 0 || !opts.command[0]) {
    throw new InvalidInputError('trainer command is empty: give its argv, e.g. ["python", "train_dpo.py"]');
  }
  if (opts.signal?.aborted) throw abortError('external trainer was aborted before it started');
  let spec = await validateTrainerSpec(opts.spec);
  await mkdir(spec.outputDir, { recursive: true });
  let resumeStep: number | undefined;
  if (spec.resumeFrom === undefined && opts.resume !== false) {
    const latest = await findLatestCheckpoint(spec.outputDir);
    if (latest) {
      spec = { ...spec, resumeFrom: latest.path };
      resumeStep = latest.step;
    }
  } else if (spec.resumeFrom !== undefined) {
    const m = /checkpoint-(\d+)/.exec(spec.resumeFrom);
    if (m) resumeStep = Number(m[1]);
  }
  const workDir = resolve(opts.workDir);
  await mkdir(workDir, { recursive: true });
  const specPath = join(workDir, 'spec.json');
  await writeFileAtomic(specPath, JSON.stringify(spec, null, 2) + '\n');
  if (opts.signal?.aborted) throw abortError('external trainer was aborted before it started');

  const [cmd, ...args] = opts.command as [string, ...string[]];
  // A relative path is taken from the declared folder, else the worker's cwd, as a user typing it
  // would expect (spawn would resolve it against the child's cwd); a bare name is looked up on PATH.
  const runDir = opts.cwd !== undefined ? resolve(opts.cwd) : workDir;
  const executable = cmd.includes('/') ? resolve(opts.cwd ?? '.', cmd) : cmd;
  const env = opts.env ?? baseEnvironment();
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
  };
  const checkpoints: string[] = [];
  let finalStep = resumeStep ?? 0;
  let done: Record<string, unknown> | undefined;
  let protocolError: string | undefined;
  // Whether the trainer printed any event: an error exit before the first one is a startup failure.
  let sawEvent = false;

  const onStdoutLine = (line: string) => {
    const e = parseEvent(line);
    if (e) sawEvent = true;
    if (e?.event === 'progress') {
      const p = progressOf(e);
      if (p) {
        finalStep = p.step;
        opts.onProgress?.(p);
        return;
      }
    } else if (e?.event === 'checkpoint' && typeof e.path === 'string') {
      const path = resolve(runDir, e.path);
      const step = typeof e.step === 'number' ? e.step : undefined;
      checkpoints.push(path);
      opts.onCheckpoint?.(path, step);
      return;
    } else if (e?.event === 'done') {
      if (typeof e.checkpoint === 'string' && e.checkpoint !== '') done = e;
      else protocolError = 'its done line has no "checkpoint" path';
      return;
    }
    keep(line);
    opts.onLog?.(line, 'stdout');
  };
  const onStderrLine = (line: string) => {
    keep(line);
    opts.onLog?.(line, 'stderr');
  };

  return new Promise<TrainerResult>((resolvePromise, rejectPromise) => {
    let child: ChildProcess;
    try {
      child = spawn(executable, [...args, specPath], {
        cwd: runDir,
        env: { ...env, [TRAINER_SPEC_ENV]: specPath },
        // stdin stays an open pipe that is never written: it reaches EOF when this process ends,
        // however it ends, which a trainer can watch to stop instead of running on orphaned.
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (err) {
      rejectPromise(new InvalidInputError(`trainer command "${cmd}" could not be started: ${String(err)}`));
      return;
    }
    track(child);
    child.stdin?.on('error', () => undefined);
    let settled = false;
    let stopReason: 'abort' | 'timeout' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    const out = new LineSplitter(onStdoutLine);
    const err = new LineSplitter(onStderrLine);
    child.stdout?.setEncoding('utf8').on('data', (c: string) => out.push(c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => err.push(c));

    const cleanup = () => {
      running.delete(child);
      child.stdin?.destroy();
      if (killTimer) clearTimeout(killTimer);
      if (timeoutTimer) clearTimeout(timeoutTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      cleanup();
      fn();
    };
    const stop = (reason: 'abort' | 'timeout') => {
      if (stopReason) return;
      stopReason = reason;
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), opts.killGraceMs ?? 10_000);
      killTimer.unref();
    };
    const onAbort = () => stop('abort');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs !== undefined) {
      timeoutTimer = setTimeout(() => stop('timeout'), opts.timeoutMs);
    }

    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        settle(() =>
          rejectPromise(
            new InvalidInputError(
              `trainer command "${cmd}" was not found${cmd.includes('/') ? ` at ${executable}` : ' on PATH'}: install it or give its full path`,
            ),
          ),
        );
      } else if (e.code === 'EACCES') {
        settle(() =>
          rejectPromise(new InvalidInputError(`trainer command "${cmd}" is not executable (EACCES)`)),
        );
      } else {
        settle(() =>
          rejectPromise(
            new TrainerFailedError(`trainer "${cmd}" failed: ${e.message}`, [...tail], null, null),
          ),
        );
      }
    });

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const finish = () => {
      if (!exit) return;
      out.end();
      err.end();
      const { code, signal } = exit;
      const tailText = tail.length > 0 ? `; last output:\n${tail.join('\n')}` : '; it printed nothing';
      // The leader is gone; whatever it started and left behind in its group goes with it.
      if (stopReason) killGroup(child, 'SIGKILL');
      if (stopReason === 'abort') {
        settle(() => rejectPromise(abortError(`external trainer "${cmd}" was cancelled and stopped`)));
      } else if (stopReason === 'timeout') {
        settle(() =>
          rejectPromise(
            new TrainerTimeoutError(
              `trainer "${cmd}" ran longer than ${opts.timeoutMs} ms and was killed${tailText}`,
              [...tail],
            ),
          ),
        );
      } else if (code !== null && code !== 0 && code <= SIGNAL_EXIT_BASE && !sawEvent) {
        // It never started training: a broken script fails the same way on every retry. A signal
        // (OOM killer, preemption) is not this: it may well pass on the next attempt.
        settle(() =>
          rejectPromise(
            new TrainerStartupError(
              `trainer "${cmd}" exited with code ${code} before it reported any progress, so it is not retried (fix the command, then "rlaif resume")${tailText}`,
              [...tail],
              code,
              signal,
            ),
          ),
        );
      } else if (code !== 0) {
        const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
        settle(() =>
          rejectPromise(
            new TrainerFailedError(`trainer "${cmd}" ${how}${tailText}`, [...tail], code, signal),
          ),
        );
      } else if (!done) {
        const why = protocolError ?? 'it exited without a done line';
        settle(() =>
          rejectPromise(new TrainerFailedError(`trainer "${cmd}": ${why}${tailText}`, [...tail], 0, null)),
        );
      } else {
        const d = done;
        const checkpoint = resolve(runDir, d.checkpoint as string);
        stat(checkpoint).then(
          () => {
            const served = d.servedAs as Partial<ServedModel> | undefined;
            const metrics: Record<string, number | string | boolean> = {};
            if (typeof d.metrics === 'object' && d.metrics !== null) {
              for (const [k, v] of Object.entries(d.metrics)) {
                if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') metrics[k] = v;
              }
            }
            const start = resumeStep ?? 0;
            settle(() =>
              resolvePromise({
                checkpoint,
                ...(served && typeof served.baseURL === 'string' && typeof served.model === 'string'
                  ? { servedAs: { baseURL: served.baseURL, model: served.model } }
                  : {}),
                metrics,
                resumed: spec.resumeFrom !== undefined,
                ...(spec.resumeFrom !== undefined ? { resumeFrom: spec.resumeFrom } : {}),
                ...(resumeStep !== undefined ? { resumeStep } : {}),
                finalStep,
                stepsRun: Math.max(0, finalStep - start),
                checkpoints,
                spec,
                specPath,
                durationMs: Date.now() - started,
              }),
            );
          },
          () =>
            settle(() =>
              rejectPromise(
                new TrainerFailedError(
                  `trainer "${cmd}" reported checkpoint ${checkpoint}, which does not exist${tailText}`,
                  [...tail],
                  0,
                  null,
                ),
              ),
            ),
        );
      }
    };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Give the pipes a moment to drain; a grandchild that keeps stdout open must not hang us.
      const drain = setTimeout(finish, 1000);
      drain.unref();
      child.on('close', () => {
        clearTimeout(drain);
        finish();
      });
    });
  });
}
