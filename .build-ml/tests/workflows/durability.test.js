"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Crashes against a real dev server: a worker SIGKILLed mid-judge, a run terminated and resumed
 * with `rlaif resume`, a server restarted mid-run. Each run must finish with every batch
 * committed exactly once.
 */
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const client_1 = require("@temporalio/client");
const runs_1 = require("../../src/cli/runs");
const parse_1 = require("../../src/config/parse");
const dev_server_1 = require("../../src/server/dev-server");
const local_store_1 = require("../../src/store/local-store");
const dev_server_2 = require("../helpers/dev-server");
const run_env_1 = require("../helpers/run-env");
const worker_process_1 = require("../helpers/worker-process");
let server;
let client;
let storeRoot;
let store;
const workers = [];
beforeAll(async () => {
    server = await (0, dev_server_2.startTestServer)();
    client = new client_1.Client({ connection: await client_1.Connection.connect({ address: server.address }) });
    storeRoot = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-durable-'));
    store = new local_store_1.LocalArtifactStore(storeRoot);
});
afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await client?.connection.close();
    await server?.stop();
    node_fs_1.default.rmSync(storeRoot, { recursive: true, force: true });
});
function worker(address = server.address) {
    const w = (0, worker_process_1.spawnWorker)(address, storeRoot);
    workers.push(w);
    return w;
}
async function committed(prefix) {
    return [...(await (0, run_env_1.commitCounts)(store))].filter(([k]) => k.startsWith(prefix));
}
test('a worker killed with SIGKILL mid-judge is replaced and the run finishes, no batch committed twice', async () => {
    const first = worker();
    const config = (0, parse_1.parseRunConfig)((0, run_env_1.smallConfig)({ rounds: 2, concurrency: 1, judge: { batchSize: 4 }, generate: { batchSize: 4 } }));
    const handle = await (0, runs_1.startRun)(client, config, { workflowId: 'kill-judge' });
    await (0, worker_process_1.waitFor)('the first judge batch', async () => (await committed('runs/kill-judge/round-0001/judge/')).length > 0);
    await first.kill('SIGKILL');
    const judgedAtKill = (await committed('runs/kill-judge/round-0001/judge/')).filter(([k]) => k.endsWith('.jsonl'));
    expect(judgedAtKill.length).toBeLessThan(8);
    worker();
    const summary = (await handle.result());
    expect(summary.status).toBe('completed');
    expect(summary.rounds).toBe(2);
    const all = await committed('runs/kill-judge/');
    expect(all.filter(([, n]) => n !== 1)).toEqual([]);
    expect(all.filter(([k]) => /round-0001\/judge\/batch-\d+-of-0008\.jsonl$/.test(k))).toHaveLength(8);
});
test('a terminated run resumed with "rlaif resume" finishes without redoing committed batches', async () => {
    worker();
    const config = (0, parse_1.parseRunConfig)((0, run_env_1.smallConfig)({ rounds: 3 }));
    const handle = await (0, runs_1.startRun)(client, config, { workflowId: 'resume-me' });
    await (0, worker_process_1.waitFor)('round 2 to start', async () => (await committed('runs/resume-me/round-0002/generate/')).length > 0);
    await handle.terminate('failing the run on purpose for the resume test');
    const before = new Map(await committed('runs/resume-me/'));
    const cli = await (0, worker_process_1.runCli)(['resume', 'resume-me', '--wait', '--address', server.address]);
    expect(cli.stderr).not.toContain('rlaif: ');
    expect(cli.code).toBe(0);
    const summary = JSON.parse(cli.stdout.trim().split('\n').pop());
    expect(summary.workflowId).toBe('resume-me-resume-1');
    expect(summary.status).toBe('completed');
    expect(summary.rounds).toBe(3);
    const after = await committed('runs/resume-me/');
    expect(after.filter(([, n]) => n !== 1)).toEqual([]);
    for (const [key] of before)
        expect(after.find(([k]) => k === key)?.[1]).toBe(1);
    const resumed = await client.workflow.getHandle('resume-me-resume-1').describe();
    expect(resumed.memo?.resumedFrom).toMatchObject({ workflowId: 'resume-me', status: 'TERMINATED' });
});
test('a Temporal server restarted mid-run (same database) lets the run finish', async () => {
    const dbDir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-restart-'));
    const dbFile = node_path_1.default.join(dbDir, 'temporal.sqlite');
    let own = await (0, dev_server_1.startDevServer)({ dbFile, uiPort: false });
    const port = own.port;
    const c = new client_1.Client({ connection: await client_1.Connection.connect({ address: own.address }) });
    const w = worker(own.address);
    try {
        const handle = await (0, runs_1.startRun)(c, (0, parse_1.parseRunConfig)((0, run_env_1.smallConfig)({ rounds: 3 })), { workflowId: 'restart-me' });
        await (0, worker_process_1.waitFor)('round 1 to finish', async () => (await committed('runs/restart-me/round-0001/evaluate/')).length > 0);
        await own.stop();
        own = await (0, dev_server_1.startDevServer)({ dbFile, port, uiPort: false });
        const summary = (await handle.result());
        expect(summary.status).toBe('completed');
        expect(summary.rounds).toBe(3);
        expect((await committed('runs/restart-me/')).filter(([, n]) => n !== 1)).toEqual([]);
    }
    finally {
        await w.kill();
        await c.connection.close();
        await own.stop();
        node_fs_1.default.rmSync(dbDir, { recursive: true, force: true });
    }
});
//# sourceMappingURL=durability.test.js.map