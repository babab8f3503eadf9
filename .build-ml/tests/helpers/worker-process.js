"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.RLAIF_BIN = void 0;
exports.spawnWorker = spawnWorker;
exports.runCli = runCli;
exports.waitFor = waitFor;
/** A worker in its own process (`rlaif worker`), so a test can SIGKILL it like a crashed box. */
const node_child_process_1 = require("node:child_process");
const node_path_1 = __importDefault(require("node:path"));
exports.RLAIF_BIN = node_path_1.default.resolve(__dirname, '..', '..', '..', 'bin', 'rlaif.js');
function spawnWorker(address, storeRoot) {
    const child = (0, node_child_process_1.spawn)(process.execPath, [exports.RLAIF_BIN, 'worker', '--address', address, '--store', storeRoot], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TEMPORAL_ADDRESS: address },
    });
    let out = '';
    child.stdout?.on('data', (d) => (out += d.toString()));
    child.stderr?.on('data', (d) => (out += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    return {
        child,
        output: () => out,
        async kill(signal = 'SIGKILL') {
            if (child.exitCode === null && child.signalCode === null)
                child.kill(signal);
            await exited;
        },
    };
}
/** Runs the CLI to completion and returns its exit code, stdout and stderr. */
function runCli(args, env = {}) {
    return new Promise((resolve) => {
        const child = (0, node_child_process_1.spawn)(process.execPath, [exports.RLAIF_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d.toString()));
        child.stderr.on('data', (d) => (stderr += d.toString()));
        child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}
/** Polls `check` every `everyMs` until it returns true, or fails after `timeoutMs`. */
async function waitFor(what, check, timeoutMs = 60000, everyMs = 10) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, everyMs));
    }
}
//# sourceMappingURL=worker-process.js.map