"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.quietRuntime = quietRuntime;
exports.workflowBundle = workflowBundle;
exports.startRunEnv = startRunEnv;
exports.smallConfig = smallConfig;
exports.commitCounts = commitCounts;
/** A real dev server, an in-process worker with the plugin, a client and a temporary store. */
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const client_1 = require("@temporalio/client");
const worker_1 = require("@temporalio/worker");
const plugin_1 = require("../../src/plugin");
const local_store_1 = require("../../src/store/local-store");
const dev_server_1 = require("./dev-server");
/** Keep test output readable: the worker logs warnings and errors only. */
function quietRuntime() {
    try {
        worker_1.Runtime.install({ logger: new worker_1.DefaultLogger('WARN') });
    }
    catch {
        // already installed by an earlier call in this test file
    }
}
let bundle;
/** The workflow bundle, built once per test file (bundling takes seconds). */
function workflowBundle() {
    bundle ??= (0, worker_1.bundleWorkflowCode)({ workflowsPath: plugin_1.WORKFLOWS_PATH, logger: quietLogger });
    return bundle;
}
const quietLogger = {
    log: () => undefined,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message, meta) => console.error(message, meta ?? ''),
};
async function startRunEnv(taskQueue = 'rlaif') {
    quietRuntime();
    const server = await (0, dev_server_1.startTestServer)();
    const storeRoot = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-store-'));
    const connection = await client_1.Connection.connect({ address: server.address });
    const client = new client_1.Client({ connection, namespace: 'default' });
    const workers = [];
    const startWorker = async (plugin = {}) => {
        const nativeConnection = await worker_1.NativeConnection.connect({ address: server.address });
        const worker = await worker_1.Worker.create({
            connection: nativeConnection,
            namespace: 'default',
            taskQueue,
            workflowBundle: await workflowBundle(),
            plugins: [new plugin_1.RlaifPlugin({ ...plugin, storeRoot, registerWorkflows: false })],
            shutdownGraceTime: '2 seconds',
        });
        const running = worker.run();
        const stopWorker = async () => {
            if (worker.getState() === 'RUNNING')
                worker.shutdown();
            await running.catch(() => undefined);
            await nativeConnection.close();
        };
        workers.push(stopWorker);
        return stopWorker;
    };
    return {
        server,
        client,
        storeRoot,
        store: new local_store_1.LocalArtifactStore(storeRoot),
        taskQueue,
        startWorker,
        async stop() {
            await Promise.all(workers.map((w) => w()));
            await connection.close();
            await server.stop();
            node_fs_1.default.rmSync(storeRoot, { recursive: true, force: true });
        },
    };
}
/** A small, fast run config for tests (the demo shrunk). */
function smallConfig(overrides = {}) {
    return {
        name: 'test-run',
        seed: 7,
        rounds: 2,
        data: { kind: 'demo', trainPrompts: 32, evalPrompts: 32, sftExamples: 300 },
        generate: { batchSize: 8 },
        judge: { batchSize: 8 },
        policy: { optimizer: { steps: 4, promptsPerStep: 8 }, dpo: { epochs: 2 } },
        rewardModel: { epochs: 30 },
        timeouts: { heartbeatSeconds: 3 },
        ...overrides,
    };
}
/** Every committed key and how many times it was committed. */
async function commitCounts(store) {
    const counts = new Map();
    for (const c of await store.commitLog())
        counts.set(c.key, (counts.get(c.key) ?? 0) + 1);
    return counts;
}
//# sourceMappingURL=run-env.js.map