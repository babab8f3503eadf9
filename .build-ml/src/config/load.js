"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseJsonText = parseJsonText;
exports.loadRunConfigFile = loadRunConfigFile;
/** Reads a run config file from disk (not workflow-safe: uses fs). */
const node_fs_1 = require("node:fs");
const errors_1 = require("./errors");
const parse_1 = require("./parse");
/** Parses JSON text, turning a syntax error into one that names the file, line and column. */
function parseJsonText(text, source) {
    try {
        return JSON.parse(text);
    }
    catch (err) {
        const message = err.message;
        const pos = /position (\d+)/.exec(message);
        if (pos) {
            const offset = Number(pos[1]);
            const before = text.slice(0, offset).split('\n');
            const line = before.length;
            const column = (before[before.length - 1]?.length ?? 0) + 1;
            throw new errors_1.ConfigError(`${source}:${line}:${column}: invalid JSON (${message})`);
        }
        throw new errors_1.ConfigError(`${source}: invalid JSON (${message})`);
    }
}
/** Loads and validates a run config file; every error names the file. */
function loadRunConfigFile(path) {
    let text;
    try {
        text = (0, node_fs_1.readFileSync)(path, 'utf8');
    }
    catch (err) {
        throw new errors_1.ConfigError(`cannot read config file ${path}: ${err.message}`);
    }
    return (0, parse_1.parseRunConfig)(parseJsonText(text, path), path);
}
//# sourceMappingURL=load.js.map