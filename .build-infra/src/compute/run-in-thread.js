"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.ComputeJobError = void 0;
exports.runInThread = runInThread;
/**
 * Runs a CPU-heavy job (training, local generation, evaluation) in a worker thread, so the
 * activity's main thread stays free to send heartbeats and notice cancellation. Cancelling
 * terminates the thread at once: a long matrix loop cannot be interrupted any other way.
 */
const path = __importStar(require("node:path"));
const node_worker_threads_1 = require("node:worker_threads");
/** An error thrown inside the compute thread, with its original name kept. */
class ComputeJobError extends Error {
    name;
    constructor(name, message) {
        super(message);
        this.name = name;
    }
}
exports.ComputeJobError = ComputeJobError;
const THREAD_MAIN = path.join(__dirname, 'thread-main.js');
/** Runs `job` in a fresh worker thread and resolves with its result. */
function runInThread(job, args, opts = {}) {
    return new Promise((resolve, reject) => {
        if (opts.signal?.aborted) {
            reject(abortError());
            return;
        }
        const request = { job, args };
        const worker = new node_worker_threads_1.Worker(THREAD_MAIN, { workerData: request });
        let settled = false;
        // Progress callbacks may be async (they append rows to disk); keep them in order and make
        // sure the last one has finished before the result is delivered.
        let chain = Promise.resolve();
        const finish = (fn) => {
            if (settled)
                return;
            settled = true;
            opts.signal?.removeEventListener('abort', onAbort);
            fn();
        };
        const onAbort = () => {
            finish(() => reject(abortError()));
            void worker.terminate();
        };
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        worker.on('message', (msg) => {
            if (msg.type === 'progress') {
                chain = chain.then(() => opts.onProgress?.(msg.done, msg.total, msg.rows));
                chain.catch((err) => {
                    finish(() => reject(err));
                    void worker.terminate();
                });
            }
            else if (msg.type === 'result') {
                chain.then(() => finish(() => resolve(msg.value)), (err) => finish(() => reject(err)));
            }
            else {
                const error = new ComputeJobError(msg.name, msg.message);
                if (msg.stack)
                    error.stack = msg.stack;
                finish(() => reject(error));
            }
        });
        worker.on('error', (err) => finish(() => reject(err)));
        worker.on('exit', (code) => {
            finish(() => reject(new Error(`compute thread for ${job} exited with code ${code} before returning`)));
        });
    });
}
function abortError() {
    const err = new Error('cancelled');
    err.name = 'AbortError';
    return err;
}
//# sourceMappingURL=run-in-thread.js.map