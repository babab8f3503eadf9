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
exports.runServer = runServer;
exports.stopBackgroundServer = stopBackgroundServer;
/** `rlaif server`: the Temporal dev server with SQLite in the state folder, in the foreground. */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const paths_1 = require("../paths");
const dev_server_1 = require("../server/dev-server");
async function runServer(opts) {
    const dbFile = opts.dbFile ?? path.join((0, paths_1.stateDir)(), 'temporal.db');
    const server = await (0, dev_server_1.startDevServer)({ dbFile, port: opts.port, uiPort: opts.uiPort });
    process.stderr.write(`Temporal dev server on ${server.address}, UI at ${server.uiUrl ?? '(none)'}, database ${dbFile}\nPress Ctrl-C to stop.\n`);
    await new Promise((resolve) => {
        const stop = () => void server.stop().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        server.process.once('exit', () => resolve());
    });
}
/** Stops a server that `rlaif demo` left running in the background. */
function stopBackgroundServer() {
    const pidFile = path.join((0, paths_1.stateDir)(), 'temporal-server.pid');
    if (!fs.existsSync(pidFile))
        return 'no background server recorded';
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    fs.rmSync(pidFile, { force: true });
    try {
        process.kill(pid, 'SIGTERM');
        return `stopped the Temporal server (pid ${pid})`;
    }
    catch {
        return `the Temporal server (pid ${pid}) was not running`;
    }
}
//# sourceMappingURL=server.js.map