"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** Activity behaviour under Temporal's mock environment: idempotency, resume, cancellation. */
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const testing_1 = require("@temporalio/testing");
const activities_1 = require("../../activities");
const artifact_1 = require("../../src/store/artifact");
const parse_1 = require("../../src/config/parse");
const local_store_1 = require("../../src/store/local-store");
const config = (0, parse_1.parseRunConfig)({
    seed: 3,
    data: { kind: 'demo', trainPrompts: 24, evalPrompts: 16, sftExamples: 200 },
    generate: { batchSize: 24 },
});
let root;
let store;
let acts;
let prepared;
beforeAll(async () => {
    root = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'rlaif-acts-'));
    store = new local_store_1.LocalArtifactStore(root);
    acts = (0, activities_1.createActivities)({ store });
    prepared = await runIn(new testing_1.MockActivityEnvironment(), acts['rlaif.prepare'], { runKey: 'r', config });
});
afterAll(() => node_fs_1.default.rmSync(root, { recursive: true, force: true }));
/** MockActivityEnvironment.run with the activity's own return type. */
function runIn(env, fn, ...args) {
    return env.run(fn, ...args);
}
function input(round, extra = {}) {
    return {
        runKey: 'r',
        round,
        stageId: 'generate',
        config,
        board: { ...prepared, policy: prepared.initialPolicy },
        batch: { index: 0, count: 1 },
        ...extra,
    };
}
test('a retried activity that finds its committed batch returns it without recomputing', async () => {
    const first = await runIn(new testing_1.MockActivityEnvironment(), acts['rlaif.generate'], input(1));
    const ref = first.artifacts.responses[0];
    expect(ref.count).toBe(48);
    // Remove the policy the batch was computed from: a recomputation would now fail.
    node_fs_1.default.renameSync(store.pathOf((0, artifact_1.keyOfRef)(prepared.initialPolicy)), `${store.pathOf((0, artifact_1.keyOfRef)(prepared.initialPolicy))}.away`);
    try {
        const again = await runIn(new testing_1.MockActivityEnvironment({ attempt: 2 }), acts['rlaif.generate'], input(1));
        expect(again).toEqual(first);
    }
    finally {
        node_fs_1.default.renameSync(`${store.pathOf((0, artifact_1.keyOfRef)(prepared.initialPolicy))}.away`, store.pathOf((0, artifact_1.keyOfRef)(prepared.initialPolicy)));
    }
    const commits = (await store.commitLog()).filter((c) => c.key === (0, artifact_1.keyOfRef)(ref));
    expect(commits).toHaveLength(1);
});
test('a partial batch resumes from its heartbeat details and keeps the rows already made', async () => {
    const gen = await runIn(new testing_1.MockActivityEnvironment(), acts['rlaif.generate'], input(2));
    const judgeInput = input(2, { stageId: 'judge', board: { ...input(2).board, responses: gen.artifacts.responses } });
    const key = 'runs/r/round-0002/judge/batch-0000-of-0001.jsonl';
    // A previous attempt judged 8 pairs, heartbeated {rows: 8}, and died. Mark its rows so we can
    // tell kept rows from recomputed ones.
    const responses = await store.readJsonl(gen.artifacts.responses[0]);
    const earlier = [];
    for (let i = 0; i < 8; i++) {
        const a = responses[2 * i];
        const b = responses[2 * i + 1];
        earlier.push({ id: `${a.id}|${b.id}`, promptId: a.promptId, prompt: a.prompt, aId: a.id, bId: b.id, a: a.response, b: b.response, pAB: 0.99, pBA: 0.01, p: 0.99, flipped: false });
    }
    await store.appendPartial(key, [...earlier, { torn: true }]);
    const env = new testing_1.MockActivityEnvironment({ heartbeatDetails: { rows: 8, total: 24 }, attempt: 2 });
    const beats = [];
    env.on('heartbeat', (d) => beats.push(d));
    const out = await runIn(env, acts['rlaif.judge'], judgeInput);
    const rows = await store.readJsonl(out.artifacts.preferences[0]);
    expect(rows).toHaveLength(24);
    expect(rows.slice(0, 8).every((r) => r.p === 0.99)).toBe(true);
    expect(rows.slice(8).some((r) => r.p !== 0.99)).toBe(true);
    expect(beats[0]).toEqual({ rows: 8, total: 24 });
    expect(node_fs_1.default.existsSync(`${store.pathOf(key)}.partial.jsonl`)).toBe(false);
});
test('cancellation stops the work and commits nothing', async () => {
    const big = (0, parse_1.parseRunConfig)({ ...config, data: { kind: 'demo', trainPrompts: 24, evalPrompts: 16, sftExamples: 200 }, policy: { optimizer: { steps: 100000 } } });
    const env = new testing_1.MockActivityEnvironment();
    const started = Date.now();
    const pending = runIn(env, acts['rlaif.optimizePolicy'], {
        ...input(3, { stageId: 'optimize-policy', config: big }),
        method: 'judge-score',
    });
    setTimeout(() => env.cancel(), 1500);
    await expect(pending).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(10000);
    expect(await store.get('runs/r/round-0003/optimize-policy/policy.onnx')).toBeUndefined();
    expect(await store.get('runs/r/round-0003/optimize-policy/result.json')).toBeUndefined();
});
//# sourceMappingURL=stage-activities.test.js.map