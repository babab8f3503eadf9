"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createWorker = createWorker;
/** Running a worker with the plugin, for `rlaif worker` and `rlaif demo`. */
const worker_1 = require("@temporalio/worker");
const connection_1 = require("../connection");
const contracts_1 = require("../contracts");
const plugin_1 = require("../plugin");
async function createWorker(settings, opts = {}) {
    const connection = await (0, connection_1.connectWorker)(settings);
    const plugin = new plugin_1.RlaifPlugin({ ...opts.plugin, registerWorkflows: opts.workflows !== false });
    return worker_1.Worker.create({
        connection,
        namespace: settings.namespace,
        taskQueue: opts.taskQueue ?? contracts_1.DEFAULT_TASK_QUEUE,
        plugins: [plugin],
        maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 4,
        // Long activities heartbeat from the main thread while compute threads work; let them finish on shutdown.
        shutdownGraceTime: '10 seconds',
    });
}
//# sourceMappingURL=worker.js.map