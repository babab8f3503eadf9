"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const node_util_1 = require("node:util");
const client_1 = require("@temporalio/client");
const proto_1 = require("@temporalio/proto");
const dev_server_1 = require("../../src/server/dev-server");
const search_attributes_1 = require("../../src/server/search-attributes");
const definitions_1 = require("../../workflows/definitions");
const dev_server_2 = require("../helpers/dev-server");
const { IndexedValueType } = proto_1.temporal.api.enums.v1;
const INDEXED_TYPES = {
    Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
};
describe('SEARCH_ATTRIBUTES', () => {
    it('are the keys the workflows set', () => {
        const keys = [definitions_1.RLAIF_ROUND, definitions_1.RLAIF_STAGE, definitions_1.RLAIF_STATUS, definitions_1.RLAIF_CONFIG].map(({ name, type }) => [name, type]);
        const registered = Object.entries(search_attributes_1.SEARCH_ATTRIBUTES).map(([name, type]) => [name, type.toUpperCase()]);
        expect(keys.sort()).toEqual(registered.sort());
    });
});
describe('startDevServer', () => {
    const server = (0, dev_server_2.useTestServer)();
    it('answers on gRPC with the RLAIF search attributes registered', async () => {
        expect(await (0, dev_server_1.isServerReachable)(server().address)).toBe(true);
        const connection = await client_1.Connection.connect({ address: server().address });
        try {
            const { customAttributes } = await connection.operatorService.listSearchAttributes({
                namespace: server().namespace,
            });
            for (const [name, type] of Object.entries(search_attributes_1.SEARCH_ATTRIBUTES)) {
                expect({ name, type: customAttributes?.[name] }).toEqual({ name, type: INDEXED_TYPES[type] });
            }
        }
        finally {
            await connection.close();
        }
    });
    it('is not reachable once stopped', async () => {
        const other = await (0, dev_server_2.startTestServer)();
        await other.stop();
        expect(other.process.exitCode !== null || other.process.signalCode !== null).toBe(true);
        expect(await (0, dev_server_1.isServerReachable)(other.address, 1000)).toBe(false);
    });
    it('refuses a port that is already in use', async () => {
        await expect((0, dev_server_1.startDevServer)({ port: server().port, uiPort: false })).rejects.toThrow(`cannot start on ${server().address}: the port is already in use`);
    });
    it('fails with the tail of the server log when the server exits', async () => {
        const dir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-baddb-'));
        try {
            // A folder where the SQLite file should be: the server cannot open its database and exits.
            await expect((0, dev_server_1.startDevServer)({ dbFile: dir, uiPort: false })).rejects.toThrow(/exited with code 1\n--- server log \(last lines\) ---\n.*unable to open database file/);
        }
        finally {
            node_fs_1.default.rmSync(dir, { recursive: true, force: true });
        }
    });
});
describe('a detached dev server', () => {
    it('keeps running after the process that started it exits', async () => {
        const dir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-detached-'));
        const logFile = node_path_1.default.join(dir, 'server.log');
        const script = `require(${JSON.stringify(require.resolve('../../src/server/dev-server'))})` +
            `.startDevServer({ detached: true, uiPort: false, logFile: ${JSON.stringify(logFile)} })` +
            '.then((s) => console.log(JSON.stringify({ address: s.address, pid: s.process.pid })));';
        // The starter must exit on its own: a detached server does not hold its event loop open.
        const { stdout } = await (0, node_util_1.promisify)(node_child_process_1.execFile)(process.execPath, ['-e', script], { timeout: 60_000 });
        const { address, pid } = JSON.parse(stdout);
        try {
            expect(await (0, dev_server_1.isServerReachable)(address)).toBe(true);
            expect(node_fs_1.default.existsSync(logFile)).toBe(true);
        }
        finally {
            process.kill(pid, 'SIGTERM');
            while (await (0, dev_server_1.isServerReachable)(address, 500))
                await new Promise((r) => setTimeout(r, 200));
            node_fs_1.default.rmSync(dir, { recursive: true, force: true });
        }
    });
});
describe('a dev server restarted on the same SQLite file', () => {
    let dir;
    let running;
    beforeAll(() => {
        dir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-restart-'));
    });
    afterAll(async () => {
        await running?.stop();
        node_fs_1.default.rmSync(dir, { recursive: true, force: true });
    });
    it('keeps the workflows started before the restart', async () => {
        const dbFile = node_path_1.default.join(dir, 'temporal.sqlite');
        const workflowId = 'restart-keeps-history';
        running = await (0, dev_server_2.startTestServer)({ dbFile });
        let connection = await client_1.Connection.connect({ address: running.address });
        // No worker polls this task queue, so the workflow stays RUNNING with its first events only.
        await new client_1.WorkflowClient({ connection }).start('NoSuchWorkflow', {
            taskQueue: 'no-worker',
            workflowId,
        });
        await connection.close();
        await running.stop();
        running = undefined;
        running = await (0, dev_server_2.startTestServer)({ dbFile });
        connection = await client_1.Connection.connect({ address: running.address });
        try {
            const description = await new client_1.WorkflowClient({ connection }).getHandle(workflowId).describe();
            expect(description.status.name).toBe('RUNNING');
            expect(description.type).toBe('NoSuchWorkflow');
        }
        finally {
            await connection.close();
        }
    });
});
//# sourceMappingURL=dev-server.test.js.map