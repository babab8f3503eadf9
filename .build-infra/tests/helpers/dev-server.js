"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.startTestServer = startTestServer;
exports.useTestServer = useTestServer;
/** Jest helpers that give workflow tests their own Temporal dev server on free ports. */
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const dev_server_1 = require("../../src/server/dev-server");
/**
 * Starts a headless dev server on free ports with a SQLite file in a new temporary folder (or
 * `options.dbFile`, which the caller then owns, e.g. to restart a server on the same data).
 */
async function startTestServer(options = {}) {
    const ownDir = options.dbFile ? undefined : node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-temporal-'));
    const dbFile = options.dbFile ?? node_path_1.default.join(ownDir, 'temporal.sqlite');
    try {
        const server = await (0, dev_server_1.startDevServer)({ uiPort: false, ...options, dbFile });
        return {
            ...server,
            dbFile,
            stop: async (timeoutMs) => {
                await server.stop(timeoutMs);
                if (ownDir)
                    node_fs_1.default.rmSync(ownDir, { recursive: true, force: true });
            },
        };
    }
    catch (err) {
        if (ownDir)
            node_fs_1.default.rmSync(ownDir, { recursive: true, force: true });
        throw err;
    }
}
/**
 * Registers `beforeAll`/`afterAll` hooks that start a test server for the enclosing `describe`
 * (or file) and stop it; call the returned function inside tests to get the server.
 */
function useTestServer(options) {
    let server;
    beforeAll(async () => {
        server = await startTestServer(options);
    });
    afterAll(async () => {
        await server?.stop();
    });
    return () => {
        if (!server)
            throw new Error('the test server is not running (call useTestServer() in a describe block)');
        return server;
    };
}
//# sourceMappingURL=dev-server.js.map