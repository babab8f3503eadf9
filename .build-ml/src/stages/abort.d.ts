/** Cooperative cancellation and yielding for the long, CPU-bound stage functions. */
/** Throws an Error named 'AbortError' when the signal has fired; `where` says which stage stopped. */
export declare function throwIfAborted(signal: AbortSignal | undefined, where: string): void;
/**
 * Lets the event loop run (timers, heartbeats, abort events) between units of CPU-bound work;
 * without it a training loop would starve everything else in its thread.
 */
export declare function yieldToEventLoop(): Promise<void>;
