"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.defaultWorkflowId = defaultWorkflowId;
exports.startRun = startRun;
exports.startedConfig = startedConfig;
exports.resumeRun = resumeRun;
exports.runResult = runResult;
const common_1 = require("@temporalio/common");
const errors_1 = require("../config/errors");
const parse_1 = require("../config/parse");
const contracts_1 = require("../contracts");
/** A workflow id from the config name and the time, when the user gives none. */
function defaultWorkflowId(config) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    return `rlaif-${config.name.replace(/[^A-Za-z0-9_-]+/g, '-')}-${stamp}`;
}
/** Starts `rlaifRun` with a validated config. */
async function startRun(client, config, opts = {}) {
    const workflowId = opts.workflowId ?? defaultWorkflowId(config);
    return client.workflow.start('rlaifRun', {
        taskQueue: opts.taskQueue ?? contracts_1.DEFAULT_TASK_QUEUE,
        workflowId,
        args: [config],
        staticSummary: opts.summary ?? `RLAIF run "${config.name}": ${config.preset} preset, ${config.rounds} rounds, seed ${config.seed}`,
        staticDetails: [
            `preset: ${config.preset}`,
            `rounds: ${config.rounds}`,
            `seed: ${config.seed}`,
            `judge: ${config.judge.kind} (position bias ${config.judge.positionBias}, swap order ${config.judge.swapOrder})`,
            `train prompts: ${config.data.trainPrompts}, eval prompts: ${config.data.evalPrompts}`,
        ].join('\n'),
        ...(opts.memo ? { memo: opts.memo } : {}),
    });
}
/** The config a workflow was started with, read from its first history event. */
async function startedConfig(client, workflowId) {
    const handle = client.workflow.getHandle(workflowId);
    const history = await handle.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const payloads = started?.input?.payloads ?? [];
    if (payloads.length === 0)
        throw new errors_1.ConfigError(`workflow ${workflowId} has no input to resume from`);
    const raw = await client.options.loadedDataConverter.payloadConverter.fromPayload(payloads[0]);
    return (0, parse_1.parseRunConfig)(raw, `input of workflow ${workflowId}`);
}
const RESUMABLE = new Set(['FAILED', 'TERMINATED', 'CANCELLED', 'TIMED_OUT']);
/**
 * Continues a failed, terminated or cancelled run as a new execution on the same run key:
 * the new execution loads the last checkpoint and finds every committed batch.
 */
async function resumeRun(client, workflowId, opts = {}) {
    let status;
    let runId;
    try {
        const description = await client.workflow.getHandle(workflowId).describe();
        status = description.status.name;
        runId = description.runId;
    }
    catch (err) {
        if (err instanceof common_1.WorkflowNotFoundError)
            throw new errors_1.ConfigError(`no workflow with id ${workflowId}`);
        throw err;
    }
    if (status === 'RUNNING') {
        throw new errors_1.ConfigError(`workflow ${workflowId} is still running; nothing to resume (see "rlaif status ${workflowId}")`);
    }
    if (!RESUMABLE.has(status)) {
        throw new errors_1.ConfigError(`workflow ${workflowId} is ${status}; only failed, terminated, cancelled or timed-out runs can be resumed`);
    }
    const config = await startedConfig(client, workflowId);
    const runKey = config.runKey ?? workflowId;
    const base = workflowId.replace(/-resume-\d+$/, '');
    const attempt = Number(/-resume-(\d+)$/.exec(workflowId)?.[1] ?? '0') + 1;
    return startRun(client, { ...config, runKey }, {
        workflowId: `${base}-resume-${attempt}`,
        ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
        memo: { resumedFrom: { workflowId, runId, status } },
        summary: `RLAIF run "${config.name}" resumed from ${workflowId} (${status.toLowerCase()})`,
    });
}
/** Waits for a run's result. */
function runResult(handle) {
    return handle.result();
}
//# sourceMappingURL=runs.js.map