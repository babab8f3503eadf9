/** Messages between activities (main thread) and the pooled compute threads running their jobs. */

/** Main → thread: run a job. */
export interface JobRequest {
  id: number;
  job: string;
  args: unknown;
}

/** Sent by the thread while it works: progress, and optionally finished rows to keep. */
export interface ProgressMessage {
  id: number;
  type: 'progress';
  done: number;
  total: number;
  rows?: unknown[];
}

export interface ResultMessage {
  id: number;
  type: 'result';
  value: unknown;
}

export interface ErrorMessage {
  id: number;
  type: 'error';
  name: string;
  message: string;
  stack?: string;
}

export type ThreadMessage = ProgressMessage | ResultMessage | ErrorMessage;
