/** Cooperative cancellation and yielding for the long, CPU-bound stage functions. */

/** Throws an Error named 'AbortError' when the signal has fired; `where` says which stage stopped. */
export function throwIfAborted(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) {
    const err = new Error(`${where} was aborted`);
    err.name = 'AbortError';
    throw err;
  }
}

/**
 * Lets the event loop run (timers, heartbeats, abort events) between units of CPU-bound work;
 * without it a training loop would starve everything else in its thread.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
