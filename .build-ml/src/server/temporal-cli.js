"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.findProjectRoot = findProjectRoot;
exports.findTemporalCli = findTemporalCli;
/** Finds the Temporal CLI binary that `npm run setup` resolved or built. */
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const PACKAGE_NAME = 'temporal-rlaif';
const EXE = process.platform === 'win32' ? '.exe' : '';
/**
 * The project root: the nearest folder above this file whose package.json is this package's.
 * Walking up works from src/server (sources) and from dist/src/server or any other build folder.
 */
function findProjectRoot(from = __dirname) {
    for (let dir = node_path_1.default.resolve(from);; dir = node_path_1.default.dirname(dir)) {
        try {
            const pkg = JSON.parse(node_fs_1.default.readFileSync(node_path_1.default.join(dir, 'package.json'), 'utf8'));
            if (pkg.name === PACKAGE_NAME)
                return dir;
        }
        catch {
            // no readable package.json here; keep walking up
        }
        if (node_path_1.default.dirname(dir) === dir)
            throw new Error(`cannot find the ${PACKAGE_NAME} project root above ${from}`);
    }
}
function isExecutable(file) {
    try {
        node_fs_1.default.accessSync(file, node_fs_1.default.constants.X_OK);
        return node_fs_1.default.statSync(file).isFile();
    }
    catch {
        return false;
    }
}
function onPath(name) {
    for (const dir of (process.env.PATH ?? '').split(node_path_1.default.delimiter)) {
        const candidate = dir && node_path_1.default.join(dir, name + EXE);
        if (candidate && isExecutable(candidate))
            return candidate;
    }
    return undefined;
}
/**
 * The absolute path of the Temporal CLI: `temporal` on PATH, else the one recorded by setup in
 * .tools/temporal-path, else the project-local build .tools/bin/temporal. Throws an error that
 * says to run `npm run setup` when there is none.
 */
function findTemporalCli(projectRoot) {
    const found = onPath('temporal');
    if (found)
        return found;
    const root = projectRoot ?? findProjectRoot();
    const candidates = [];
    try {
        candidates.push(node_fs_1.default.readFileSync(node_path_1.default.join(root, '.tools', 'temporal-path'), 'utf8').trim());
    }
    catch {
        // setup has not recorded a path
    }
    candidates.push(node_path_1.default.join(root, '.tools', 'bin', 'temporal' + EXE));
    const local = candidates.find((c) => c && isExecutable(c));
    if (local)
        return local;
    throw new Error('The Temporal CLI was not found on PATH nor in .tools/bin. Run `npm run setup` ' +
        '(it builds the pinned release with Go), or install it from https://docs.temporal.io/cli.');
}
//# sourceMappingURL=temporal-cli.js.map