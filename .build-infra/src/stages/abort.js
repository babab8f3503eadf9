"use strict";
/** Cooperative cancellation and yielding for the long, CPU-bound stage functions. */
Object.defineProperty(exports, "__esModule", { value: true });
exports.throwIfAborted = throwIfAborted;
exports.yieldToEventLoop = yieldToEventLoop;
/** Throws an Error named 'AbortError' when the signal has fired; `where` says which stage stopped. */
function throwIfAborted(signal, where) {
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
function yieldToEventLoop() {
    return new Promise((resolve) => setImmediate(resolve));
}
//# sourceMappingURL=abort.js.map