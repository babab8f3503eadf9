"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.buildProgram = buildProgram;
exports.main = main;
/** The `rlaif` command line. */
const commander_1 = require("commander");
const errors_1 = require("../config/errors");
const load_1 = require("../config/load");
const connection_1 = require("../connection");
const definitions_1 = require("../../workflows/definitions");
const demo_1 = require("./demo");
const progress_1 = require("./progress");
const runs_1 = require("./runs");
const server_1 = require("./server");
const summary_1 = require("./summary");
const worker_1 = require("./worker");
const connectionOptions = (cmd) => cmd
    .addOption(new commander_1.Option('--address <host:port>', 'Temporal address (default: profile or TEMPORAL_ADDRESS)'))
    .addOption(new commander_1.Option('--namespace <ns>', 'namespace (default: profile or TEMPORAL_NAMESPACE)'))
    .addOption(new commander_1.Option('--profile <name>', 'envconfig profile (default: TEMPORAL_PROFILE or "default")'));
const settingsOf = (o) => (0, connection_1.resolveConnection)(o);
const print = (value) => {
    process.stdout.write(`${JSON.stringify(value)}\n`);
};
async function waitAndPrint(handle, o) {
    const s = settingsOf(o);
    const ui = (0, summary_1.workflowUiUrl)(s.address, s.namespace, handle.workflowId);
    process.stderr.write(`[rlaif] started ${handle.workflowId}; UI: ${ui}\n`);
    const result = await (0, progress_1.showProgressUntil)(handle, (0, runs_1.runResult)(handle));
    print((0, summary_1.summaryLine)(result, ui));
}
function buildProgram() {
    const program = new commander_1.Command('rlaif')
        .description('Reinforcement Learning from AI Feedback as durable Temporal workflows')
        .showHelpAfterError();
    program
        .command('server')
        .description('run the Temporal dev server (SQLite in .rlaif/, UI on 8233) in the foreground')
        .option('--port <n>', 'gRPC port', (v) => Number(v), 7233)
        .option('--ui-port <n>', 'UI port', (v) => Number(v), 8233)
        .option('--db <file>', 'SQLite file (default .rlaif/temporal.db)')
        .option('--stop', 'stop the server that "rlaif demo" left running in the background')
        .action(async (o) => {
        if (o.stop)
            return void process.stderr.write(`${(0, server_1.stopBackgroundServer)()}\n`);
        await (0, server_1.runServer)({ port: o.port, uiPort: o.uiPort, ...(o.db ? { dbFile: o.db } : {}) });
    });
    connectionOptions(program
        .command('worker')
        .description('run a worker on task queue "rlaif" (or another, for a separate GPU/CPU/API pool)')
        .option('--task-queue <name>', 'task queue to poll', 'rlaif')
        .option('--store <dir>', 'artifact store shared by all workers (default $RLAIF_STORE or .rlaif/store)')
        .option('--activities-only', 'poll activities only (a pool serving stages routed to this queue)')
        .option('--max-activities <n>', 'activities at once', (v) => Number(v), 4)).action(async (o) => {
        const worker = await (0, worker_1.createWorker)(settingsOf(o), {
            taskQueue: o.taskQueue,
            workflows: !o.activitiesOnly,
            maxConcurrentActivities: o.maxActivities,
            plugin: o.store ? { storeRoot: o.store } : {},
        });
        process.stderr.write(`[rlaif] worker polling task queue "${o.taskQueue}" on ${settingsOf(o).address}\n`);
        await worker.run();
    });
    connectionOptions(program
        .command('start')
        .description('start a run from a config file')
        .requiredOption('--config <file>', 'run config (JSON)')
        .option('--id <workflowId>', 'workflow id (default: rlaif-<name>-<time>)')
        .option('--task-queue <name>', 'workflow task queue', 'rlaif')
        .option('--wait', 'wait for the run, show progress, print the summary line')).action(async (o) => {
        const config = (0, load_1.loadRunConfigFile)(o.config);
        const client = await (0, connection_1.connectClient)(settingsOf(o));
        try {
            const handle = await (0, runs_1.startRun)(client, config, { ...(o.id ? { workflowId: o.id } : {}), taskQueue: o.taskQueue });
            if (o.wait)
                await waitAndPrint(handle, o);
            else
                print({ workflowId: handle.workflowId });
        }
        finally {
            await client.connection.close();
        }
    });
    connectionOptions(program.command('status <workflowId>').description("show a run's progress").option('--json', 'print JSON')).action(async (id, o) => {
        const client = await (0, connection_1.connectClient)(settingsOf(o));
        try {
            const handle = client.workflow.getHandle(id);
            const description = await handle.describe();
            const progress = await handle.query(definitions_1.progressQuery).catch(() => undefined);
            const status = { workflowId: id, status: description.status.name, progress };
            if (o.json)
                return print(status);
            process.stdout.write(`${id}: ${description.status.name}\n`);
            if (progress) {
                process.stdout.write(`  round ${progress.round}/${progress.rounds}, stage ${progress.stage}, batches ${progress.batchesDone}/${progress.batchesTotal}${progress.paused ? ', paused' : ''}\n`);
                for (const h of progress.history) {
                    const m = h.metrics;
                    process.stdout.write(`  round ${h.round}: win rate ${m.winRateVsInitial?.toFixed(3) ?? '-'}, reward-model agreement ${m.rewardModelAgreement?.toFixed(3) ?? '-'}, KL ${m.klToInitial?.toFixed(3) ?? '-'}\n`);
                }
            }
        }
        finally {
            await client.connection.close();
        }
    });
    connectionOptions(program
        .command('resume <workflowId>')
        .description('continue a failed, terminated or cancelled run from its last checkpoint, as a new execution')
        .option('--task-queue <name>', 'workflow task queue', 'rlaif')
        .option('--wait', 'wait for the run and print the summary line')).action(async (id, o) => {
        const client = await (0, connection_1.connectClient)(settingsOf(o));
        try {
            const handle = await (0, runs_1.resumeRun)(client, id, { taskQueue: o.taskQueue });
            if (o.wait)
                await waitAndPrint(handle, o);
            else
                print({ workflowId: handle.workflowId, resumedFrom: id });
        }
        finally {
            await client.connection.close();
        }
    });
    program
        .command('demo')
        .description('run the offline demo end to end: server (if needed), worker, a 3-round run, summary')
        .option('--config <file>', 'config to run instead of examples/demo.json')
        .option('--id <workflowId>', 'workflow id')
        .action(async (o) => {
        print(await (0, demo_1.runDemo)({ ...(o.config ? { configFile: o.config } : {}), ...(o.id ? { workflowId: o.id } : {}) }));
    });
    return program;
}
async function main(argv) {
    try {
        await buildProgram().parseAsync(argv);
        process.exitCode ??= 0;
    }
    catch (err) {
        const message = err instanceof errors_1.ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.stderr.write(`rlaif: ${message}\n`);
        process.exitCode = err instanceof errors_1.ConfigError ? 2 : 1;
    }
}
//# sourceMappingURL=main.js.map