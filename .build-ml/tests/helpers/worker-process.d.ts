/** A worker in its own process (`rlaif worker`), so a test can SIGKILL it like a crashed box. */
import { type ChildProcess } from 'node:child_process';
export declare const RLAIF_BIN: string;
export interface WorkerProcess {
    child: ChildProcess;
    output(): string;
    kill(signal?: NodeJS.Signals): Promise<void>;
}
export declare function spawnWorker(address: string, storeRoot: string): WorkerProcess;
/** Runs the CLI to completion and returns its exit code, stdout and stderr. */
export declare function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<{
    code: number;
    stdout: string;
    stderr: string;
}>;
/** Polls `check` every `everyMs` until it returns true, or fails after `timeoutMs`. */
export declare function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs?: number, everyMs?: number): Promise<void>;
