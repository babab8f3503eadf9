"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Replays recorded histories of a finished run (the parent and its round children) against the
 * current workflow code: a non-deterministic change to the workflows fails here.
 */
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const proto_utils_1 = require("@temporalio/common/lib/proto-utils");
const worker_1 = require("@temporalio/worker");
const run_env_1 = require("../helpers/run-env");
const FIXTURES = node_path_1.default.resolve(__dirname, '..', '..', '..', 'tests', 'fixtures');
const files = node_fs_1.default.readdirSync(FIXTURES).filter((f) => f.startsWith('history-') && f.endsWith('.json'));
test('there are recorded histories of the run and of its rounds', () => {
    expect(files.some((f) => f.includes('round'))).toBe(true);
    expect(files.length).toBeGreaterThanOrEqual(2);
});
test.each(files)('%s replays without non-determinism', async (file) => {
    (0, run_env_1.quietRuntime)();
    const history = (0, proto_utils_1.historyFromJSON)(JSON.parse(node_fs_1.default.readFileSync(node_path_1.default.join(FIXTURES, file), 'utf8')));
    await worker_1.Worker.runReplayHistory({ workflowBundle: await (0, run_env_1.workflowBundle)() }, history, file);
});
//# sourceMappingURL=replay.test.js.map