"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.compute = compute;
/** Runs a compute job off the main thread, wired to the activity's heartbeats and cancellation. */
const jobs_1 = require("../src/compute/jobs");
const run_in_thread_1 = require("../src/compute/run-in-thread");
const context_1 = require("./context");
async function compute(deps, job, args, onRows) {
    const onProgress = async (done, total, rows) => {
        if (rows && onRows)
            await onRows(rows);
        else
            (0, context_1.reportProgress)({ step: done, total });
    };
    if (deps.threads === false) {
        // In-thread mode, for debugging: same job, but it blocks heartbeats while it computes.
        const run = jobs_1.JOBS[job];
        const pending = [];
        const result = await run(args, (d, t, r) => {
            pending.push(onProgress(d, t, r));
        });
        await Promise.all(pending);
        return result;
    }
    return (0, run_in_thread_1.runInThread)(job, args, { onProgress, signal: (0, context_1.activitySignal)() });
}
//# sourceMappingURL=compute.js.map