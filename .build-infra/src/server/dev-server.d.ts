/**
 * Starts and stops the Temporal CLI's dev server (`temporal server start-dev`): a whole Temporal
 * in one process, with SQLite persistence when given a file, used by the tests, the demo and users.
 */
import { type ChildProcess } from 'node:child_process';
/** Options of {@link startDevServer}; every field has a default. */
export interface DevServerOptions {
    /** SQLite file that keeps namespaces and workflows across restarts; in memory when omitted. */
    dbFile?: string;
    /** The front-end gRPC port; a free port when omitted. */
    port?: number;
    /** The Web UI port; a free port when omitted, `false` for no UI (headless). */
    uiPort?: number | false;
    /** The namespace the workers and clients use; created at start. Default `default`. */
    namespace?: string;
    /** File that receives the server's output (appended); when omitted the last lines are kept in memory. */
    logFile?: string;
    /** The IP address the server binds. Default 127.0.0.1, so nothing is exposed beyond this machine. */
    ip?: string;
    /** The Temporal CLI binary; {@link findTemporalCli} when omitted. */
    temporalCli?: string;
    /** How long to wait for the server to answer. Default 60 s. */
    startTimeoutMs?: number;
    /**
     * Leave the server running when this process exits (its own process group, not killed on exit),
     * e.g. for a demo whose UI the user keeps using. Needs `logFile`, since nothing reads its output.
     */
    detached?: boolean;
}
/** A running dev server. */
export interface DevServer {
    /** The gRPC address for clients and workers, `host:port`. */
    address: string;
    /** The Web UI, unless started headless. */
    uiUrl?: string;
    /** The gRPC port. */
    port: number;
    /** The namespace created at start. */
    namespace: string;
    /** The `temporal` process. */
    process: ChildProcess;
    /** Stops the server (SIGTERM, then SIGKILL after `timeoutMs`, default 10 s) and waits for it to exit. */
    stop(timeoutMs?: number): Promise<void>;
}
/**
 * Starts `temporal server start-dev` with the project's search attributes and waits until it
 * answers on gRPC with the namespace and the search attributes in place (up to `startTimeoutMs`).
 * Fails with the tail of the server's log when the server exits or does not answer in time.
 */
export declare function startDevServer(options?: DevServerOptions): Promise<DevServer>;
/** Whether a Temporal server answers at `address` (`host:port`) within `timeoutMs`. */
export declare function isServerReachable(address: string, timeoutMs?: number): Promise<boolean>;
/** Free TCP ports on `ip`, held open together so that two calls cannot return the same port. */
export declare function freePorts(count: number, ip?: string): Promise<number[]>;
