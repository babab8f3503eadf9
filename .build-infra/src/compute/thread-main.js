"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/** Entry point of a compute thread: runs one job and posts progress and its result. */
const node_worker_threads_1 = require("node:worker_threads");
const jobs_1 = require("./jobs");
async function main() {
    const port = node_worker_threads_1.parentPort;
    if (!port)
        throw new Error('thread-main must run in a worker thread');
    const { job, args } = node_worker_threads_1.workerData;
    const post = (msg) => port.postMessage(msg);
    try {
        const run = jobs_1.JOBS[job];
        if (!run)
            throw new Error(`unknown compute job "${job}"`);
        const value = await run(args, (done, total, rows) => post({ type: 'progress', done, total, rows }));
        post({ type: 'result', value });
    }
    catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
    }
}
void main();
//# sourceMappingURL=thread-main.js.map