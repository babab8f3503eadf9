"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.startDevServer = startDevServer;
exports.isServerReachable = isServerReachable;
exports.freePorts = freePorts;
/**
 * Starts and stops the Temporal CLI's dev server (`temporal server start-dev`): a whole Temporal
 * in one process, with SQLite persistence when given a file, used by the tests, the demo and users.
 */
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_net_1 = __importDefault(require("node:net"));
const node_path_1 = __importDefault(require("node:path"));
const client_1 = require("@temporalio/client");
const search_attributes_1 = require("./search-attributes");
const temporal_cli_1 = require("./temporal-cli");
const LOG_TAIL_BYTES = 4096;
/** Attempts when a port we chose was taken by someone else between choosing and binding it. */
const PORT_ATTEMPTS = 3;
/** Servers of this process still running, stopped if the process exits without stopping them. */
const running = new Set();
process.once('exit', () => {
    for (const child of running)
        child.kill('SIGTERM');
});
class DevServerStartError extends Error {
    portInUse;
    name = 'DevServerStartError';
    constructor(message, portInUse) {
        super(message);
        this.portInUse = portInUse;
    }
}
/**
 * Starts `temporal server start-dev` with the project's search attributes and waits until it
 * answers on gRPC with the namespace and the search attributes in place (up to `startTimeoutMs`).
 * Fails with the tail of the server's log when the server exits or does not answer in time.
 */
async function startDevServer(options = {}) {
    for (let attempt = 1;; attempt++) {
        try {
            return await startOnce(options);
        }
        catch (err) {
            const retry = err instanceof DevServerStartError && err.portInUse && options.port === undefined;
            if (!retry || attempt >= PORT_ATTEMPTS)
                throw err;
        }
    }
}
async function startOnce(options) {
    const ip = options.ip ?? '127.0.0.1';
    const namespace = options.namespace ?? 'default';
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const [port, uiPort] = await choosePorts(ip, options.port, options.uiPort);
    const host = connectHost(ip);
    const address = `${host}:${port}`;
    // A server already on a port we were given would pass the readiness check in our stead.
    for (const fixed of [options.port, options.uiPort]) {
        if (typeof fixed === 'number' && (await portAccepts(host, fixed))) {
            throw new DevServerStartError(`cannot start on ${host}:${fixed}: the port is already in use`, false);
        }
    }
    const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
    args.push(...(uiPort === false ? ['--headless'] : ['--ui-port', String(uiPort)]));
    if (options.dbFile) {
        node_fs_1.default.mkdirSync(node_path_1.default.dirname(node_path_1.default.resolve(options.dbFile)), { recursive: true });
        args.push('--db-filename', node_path_1.default.resolve(options.dbFile));
    }
    for (const [name, type] of Object.entries(search_attributes_1.SEARCH_ATTRIBUTES))
        args.push('--search-attribute', `${name}=${type}`);
    args.push('--log-level', 'warn');
    if (options.detached && !options.logFile)
        throw new Error('startDevServer: a detached server needs a logFile');
    const log = openLog(options.logFile);
    const child = (0, node_child_process_1.spawn)(options.temporalCli ?? (0, temporal_cli_1.findTemporalCli)(), args, {
        stdio: ['ignore', log.out, log.out],
        detached: options.detached ?? false,
    });
    log.started(child);
    if (!options.detached)
        running.add(child);
    const exited = new Promise((resolve) => {
        child.once('error', (err) => resolve(`could not be started: ${err.message}`));
        child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    }).finally(() => running.delete(child));
    const fail = (what) => {
        const tail = log.tail();
        return new DevServerStartError(`Temporal dev server (${args.join(' ')}) ${what}` +
            (tail ? `\n--- server log (last lines) ---\n${tail}` : ''), /address already in use/i.test(tail));
    };
    const stop = async (stopTimeoutMs = 10_000) => {
        if (child.exitCode !== null || child.signalCode !== null)
            return;
        child.kill('SIGTERM');
        let timer;
        const timedOut = await Promise.race([
            exited.then(() => false),
            new Promise((resolve) => (timer = setTimeout(() => resolve(true), stopTimeoutMs))),
        ]);
        clearTimeout(timer);
        if (timedOut) {
            child.kill('SIGKILL');
            await exited;
        }
    };
    const died = exited.then((how) => fail(how));
    try {
        await waitUntilReady(address, namespace, Date.now() + timeoutMs, died, () => fail(`did not answer on ${address} within ${Math.round(timeoutMs / 1000)} s`));
    }
    catch (err) {
        await stop();
        throw err;
    }
    // A detached server must not keep this process alive either.
    if (options.detached)
        child.unref();
    return {
        address,
        uiUrl: uiPort === false ? undefined : `http://${host}:${uiPort}`,
        port,
        namespace,
        process: child,
        stop,
    };
}
/**
 * Polls until the front end answers and lists our search attributes in the namespace: only then
 * can a workflow start and set them. Rejects with `died` if the server exits first.
 */
async function waitUntilReady(address, namespace, deadline, died, timeout) {
    let dead;
    void died.then((err) => (dead = err));
    let connection;
    try {
        for (;;) {
            if (dead)
                throw dead;
            if (Date.now() > deadline)
                throw timeout();
            const [host, port] = splitAddress(address);
            if (await portAccepts(host, port)) {
                connection ??= await client_1.Connection.connect({ address, connectTimeout: '5s' }).catch(() => undefined);
                if (connection && (await hasSearchAttributes(connection, namespace)))
                    return;
            }
            await Promise.race([died, new Promise((resolve) => setTimeout(resolve, 100))]);
        }
    }
    finally {
        await connection?.close();
    }
}
async function hasSearchAttributes(connection, namespace) {
    try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        return Object.keys(search_attributes_1.SEARCH_ATTRIBUTES).every((name) => customAttributes?.[name] !== undefined);
    }
    catch {
        return false;
    }
}
/** Whether a Temporal server answers at `address` (`host:port`) within `timeoutMs`. */
async function isServerReachable(address, timeoutMs = 3000) {
    try {
        const connection = await client_1.Connection.connect({ address, connectTimeout: timeoutMs });
        await connection.close();
        return true;
    }
    catch {
        return false;
    }
}
/** Free TCP ports on `ip`, held open together so that two calls cannot return the same port. */
async function freePorts(count, ip = '127.0.0.1') {
    const servers = [];
    try {
        const ports = [];
        for (let i = 0; i < count; i++) {
            const server = node_net_1.default.createServer();
            servers.push(server);
            ports.push(await new Promise((resolve, reject) => {
                server.once('error', reject);
                server.listen(0, ip, () => resolve(server.address().port));
            }));
        }
        return ports;
    }
    finally {
        await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
}
async function choosePorts(ip, port, uiPort) {
    const needed = (port === undefined ? 1 : 0) + (uiPort === undefined ? 1 : 0);
    const free = needed > 0 ? await freePorts(needed, ip) : [];
    return [port ?? free.shift(), uiPort ?? free.shift()];
}
/** The host a client on this machine dials for a server bound to `ip`. */
function connectHost(ip) {
    if (ip === '0.0.0.0')
        return '127.0.0.1';
    if (ip === '::')
        return '[::1]';
    return ip.includes(':') ? `[${ip}]` : ip;
}
function splitAddress(address) {
    const i = address.lastIndexOf(':');
    return [address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), Number(address.slice(i + 1))];
}
function portAccepts(host, port) {
    return new Promise((resolve) => {
        const socket = node_net_1.default.connect({ host, port });
        const done = (ok) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(1000, () => done(false));
        socket.once('connect', () => done(true));
        socket.once('error', () => done(false));
    });
}
/** The server's output goes to `file` when given (so it outlives this process), else to a small buffer. */
function openLog(file) {
    if (file) {
        node_fs_1.default.mkdirSync(node_path_1.default.dirname(node_path_1.default.resolve(file)), { recursive: true });
        const fd = node_fs_1.default.openSync(file, 'a');
        const start = node_fs_1.default.fstatSync(fd).size;
        return {
            out: fd,
            started: () => node_fs_1.default.closeSync(fd),
            tail: () => readTail(file, start),
        };
    }
    let buffer = '';
    const keep = (chunk) => {
        buffer = (buffer + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
    };
    return {
        out: 'pipe',
        started: (child) => {
            child.stdout?.on('data', keep);
            child.stderr?.on('data', keep);
        },
        tail: () => buffer.trim(),
    };
}
/** The last bytes of `file` written after offset `start` (earlier runs appended to the same file). */
function readTail(file, start) {
    try {
        const fd = node_fs_1.default.openSync(file, 'r');
        try {
            const size = node_fs_1.default.fstatSync(fd).size;
            const from = Math.max(start, size - LOG_TAIL_BYTES);
            const bytes = Buffer.alloc(Math.max(0, size - from));
            node_fs_1.default.readSync(fd, bytes, 0, bytes.length, from);
            return bytes.toString('utf8').trim();
        }
        finally {
            node_fs_1.default.closeSync(fd);
        }
    }
    catch {
        return '';
    }
}
//# sourceMappingURL=dev-server.js.map