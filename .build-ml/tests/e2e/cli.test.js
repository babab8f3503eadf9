"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * End to end through the command line, as a user would: `rlaif worker`, `rlaif start --wait`,
 * `temporal workflow start`, `rlaif status`, and a bad config.
 */
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const node_child_process_1 = require("node:child_process");
const temporal_cli_1 = require("../../src/server/temporal-cli");
const dev_server_1 = require("../helpers/dev-server");
const run_env_1 = require("../helpers/run-env");
const worker_process_1 = require("../helpers/worker-process");
let server;
let worker;
let dir;
let configFile;
beforeAll(async () => {
    server = await (0, dev_server_1.startTestServer)();
    dir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-e2e-'));
    worker = (0, worker_process_1.spawnWorker)(server.address, node_path_1.default.join(dir, 'store'));
    configFile = node_path_1.default.join(dir, 'small.json');
    node_fs_1.default.writeFileSync(configFile, JSON.stringify((0, run_env_1.smallConfig)({ rounds: 2 }), null, 2));
});
afterAll(async () => {
    await worker?.kill();
    await server?.stop();
    node_fs_1.default.rmSync(dir, { recursive: true, force: true });
});
const env = () => ({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
test('start --wait shows progress and prints the summary line', async () => {
    const out = await (0, worker_process_1.runCli)(['start', '--config', configFile, '--id', 'e2e-1', '--wait'], env());
    expect(out.stderr).toContain('[rlaif] started e2e-1');
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout.trim().split('\n').pop());
    expect(summary).toMatchObject({ workflowId: 'e2e-1', status: 'completed', rounds: 2 });
    expect(typeof summary.winRateVsInitial).toBe('number');
    expect(summary.winRateCI).toHaveLength(2);
    expect(typeof summary.rewardModelAgreement).toBe('number');
    expect(summary.uiUrl).toMatch(/\/namespaces\/default\/workflows\/e2e-1$/);
    const status = await (0, worker_process_1.runCli)(['status', 'e2e-1', '--json'], env());
    const parsed = JSON.parse(status.stdout);
    expect(parsed.status).toBe('COMPLETED');
    expect(parsed.progress.history).toHaveLength(2);
});
test('a run started with the Temporal CLI runs on the same worker', async () => {
    const temporal = (0, temporal_cli_1.findTemporalCli)();
    const common = ['--address', server.address, '--namespace', 'default'];
    (0, node_child_process_1.execFileSync)(temporal, ['workflow', 'start', '--type', 'rlaifRun', '--task-queue', 'rlaif', '--workflow-id', 'e2e-cli', '--input-file', configFile, ...common]);
    const result = (0, node_child_process_1.execFileSync)(temporal, ['workflow', 'result', '--workflow-id', 'e2e-cli', '--output', 'json', ...common], {
        encoding: 'utf8',
    });
    expect(result).toContain('"status": "completed"');
});
test('a bad config fails before anything starts, naming the file, the field and what was expected', async () => {
    const bad = node_path_1.default.join(dir, 'bad.json');
    node_fs_1.default.writeFileSync(bad, JSON.stringify({ rounds: 'three', generate: { temperature: -1 } }));
    const out = await (0, worker_process_1.runCli)(['start', '--config', bad, '--wait'], env());
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(bad);
    expect(out.stderr).toContain('rounds: Invalid input: expected number, received string');
    expect(out.stderr).toContain('generate.temperature');
    const broken = node_path_1.default.join(dir, 'broken.json');
    node_fs_1.default.writeFileSync(broken, '{\n  "rounds": 2,\n  "seed": 1,,\n}');
    const out2 = await (0, worker_process_1.runCli)(['start', '--config', broken], env());
    expect(out2.code).toBe(2);
    expect(out2.stderr).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: invalid JSON`));
});
//# sourceMappingURL=cli.test.js.map