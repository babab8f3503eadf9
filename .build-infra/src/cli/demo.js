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
exports.DEMO_CONFIG = void 0;
exports.ensureServer = ensureServer;
exports.runDemo = runDemo;
/**
 * `rlaif demo`: the whole product in one command. Uses the Temporal server at the configured
 * address, or starts a dev server in the background (SQLite in the state folder, UI on 8233)
 * and leaves it running; runs a worker in this process; starts the demo run, shows progress and
 * prints the summary line with the link to the run in the UI.
 */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const load_1 = require("../config/load");
const connection_1 = require("../connection");
const paths_1 = require("../paths");
const dev_server_1 = require("../server/dev-server");
const progress_1 = require("./progress");
const runs_1 = require("./runs");
const summary_1 = require("./summary");
const worker_1 = require("./worker");
exports.DEMO_CONFIG = path.join(paths_1.PACKAGE_ROOT, 'examples', 'demo.json');
/** The server to use: a reachable configured one, or a background dev server started now. */
async function ensureServer(log) {
    const settings = (0, connection_1.resolveConnection)();
    if (await (0, dev_server_1.isServerReachable)(settings.address)) {
        log(`using the Temporal server at ${settings.address}`);
        return { settings, startedHere: false };
    }
    const dir = (0, paths_1.stateDir)();
    const dbFile = path.join(dir, 'temporal.db');
    log(`no Temporal server at ${settings.address}; starting a dev server (database ${dbFile}, UI on port 8233)`);
    const port = Number(settings.address.split(':').pop() ?? 7233);
    const server = await (0, dev_server_1.startDevServer)({
        dbFile,
        port,
        uiPort: 8233,
        logFile: path.join(dir, 'temporal-server.log'),
        detached: true,
    });
    fs.writeFileSync(path.join(dir, 'temporal-server.pid'), String(server.process.pid));
    const uiBase = server.uiUrl?.replace('127.0.0.1', 'localhost');
    return {
        settings: { ...settings, address: server.address },
        ...(uiBase ? { uiBase } : {}),
        startedHere: true,
        ...(server.process.pid ? { pid: server.process.pid } : {}),
    };
}
async function runDemo(opts = {}) {
    const log = (line) => process.stderr.write(`[rlaif demo] ${line}\n`);
    const config = (0, load_1.loadRunConfigFile)(opts.configFile ?? exports.DEMO_CONFIG);
    const server = await ensureServer(log);
    const worker = await (0, worker_1.createWorker)(server.settings);
    let client;
    try {
        const result = await worker.runUntil(async () => {
            client = await (0, connection_1.connectClient)(server.settings);
            const handle = await (0, runs_1.startRun)(client, config, { workflowId: opts.workflowId ?? (0, runs_1.defaultWorkflowId)(config) });
            const ui = (0, summary_1.workflowUiUrl)(server.settings.address, server.settings.namespace, handle.workflowId, server.uiBase);
            log(`started ${handle.workflowId}; watch it at ${ui}`);
            const summary = await (0, progress_1.showProgressUntil)(handle, (0, runs_1.runResult)(handle));
            return (0, summary_1.summaryLine)(summary, ui);
        });
        if (server.startedHere) {
            log(`the Temporal server is still running (pid ${server.pid}) so you can open the UI;`);
            log(`stop it with: kill ${server.pid}   (or: rlaif server --stop)`);
        }
        return result;
    }
    finally {
        await client?.connection.close();
    }
}
//# sourceMappingURL=demo.js.map