/** Messages between an activity (main thread) and the compute thread running its job. */
/** Sent by the thread while it works: progress, and optionally finished rows to keep. */
export interface ProgressMessage {
    type: 'progress';
    done: number;
    total: number;
    rows?: unknown[];
}
export interface ResultMessage {
    type: 'result';
    value: unknown;
}
export interface ErrorMessage {
    type: 'error';
    name: string;
    message: string;
    stack?: string;
}
export type ThreadMessage = ProgressMessage | ResultMessage | ErrorMessage;
/** What the thread is started with. */
export interface JobRequest {
    job: string;
    args: unknown;
}
