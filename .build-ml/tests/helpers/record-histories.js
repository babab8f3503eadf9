"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.recordHistories = recordHistories;
/** Records a small run's histories as replay fixtures (see scripts/record-histories.js). */
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const proto_utils_1 = require("@temporalio/common/lib/proto-utils");
const runs_1 = require("../../src/cli/runs");
const parse_1 = require("../../src/config/parse");
const run_env_1 = require("./run-env");
async function recordHistories(dir) {
    const env = await (0, run_env_1.startRunEnv)();
    try {
        await env.startWorker();
        const handle = await (0, runs_1.startRun)(env.client, (0, parse_1.parseRunConfig)((0, run_env_1.smallConfig)({ rounds: 2 })), { workflowId: 'replay-fixture' });
        await handle.result();
        const files = [];
        for (const id of ['replay-fixture', 'replay-fixture-round-1', 'replay-fixture-round-2']) {
            const history = await env.client.workflow.getHandle(id).fetchHistory();
            const file = node_path_1.default.join(dir, `history-${id}.json`);
            node_fs_1.default.mkdirSync(dir, { recursive: true });
            node_fs_1.default.writeFileSync(file, (0, proto_utils_1.historyToJSON)(history));
            files.push(file);
        }
        return files;
    }
    finally {
        await env.stop();
    }
}
//# sourceMappingURL=record-histories.js.map