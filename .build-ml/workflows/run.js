"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rlaifRun = rlaifRun;
/**
 * `rlaifRun(config)`: the durable RLAIF loop. It validates the config, prepares data and the
 * initial policy, then runs one child workflow per round, saving a checkpoint after each. It
 * continues-as-new when Temporal suggests it, so even a run of thousands of rounds keeps a
 * small history. Queries and updates let a person watch, pause, resume and stop it.
 */
const workflow_1 = require("@temporalio/workflow");
const errors_1 = require("../src/config/errors");
const parse_1 = require("../src/config/parse");
const definitions_1 = require("./definitions");
const round_1 = require("./round");
const stage_options_1 = require("./stage-options");
function validate(raw) {
    try {
        return (0, parse_1.parseRunConfig)(raw, 'workflow input');
    }
    catch (err) {
        if (err instanceof errors_1.ConfigError)
            throw workflow_1.ApplicationFailure.nonRetryable(err.message, 'ConfigError');
        throw err;
    }
}
async function rlaifRun(rawConfig, carried) {
    const config = validate(rawConfig);
    const info = (0, workflow_1.workflowInfo)();
    const runKey = config.runKey ?? info.workflowId;
    const acts = (0, workflow_1.proxyActivities)((0, stage_options_1.bookkeepingOptions)(config, 'bookkeeping'));
    const progress = {
        status: 'starting',
        runKey,
        round: 0,
        rounds: config.rounds,
        stage: 'prepare',
        batchesDone: 0,
        batchesTotal: 0,
        history: [],
        paused: carried?.paused ?? false,
        stopAfterRound: carried?.stopAfterRound ?? false,
    };
    let child;
    const show = () => {
        const latest = progress.latest;
        const win = latest?.winRateVsInitial;
        (0, workflow_1.setCurrentDetails)([
            `**${config.name}** · ${progress.status}${progress.paused ? ' (paused)' : ''}`,
            `round ${progress.round}/${config.rounds} · stage ${progress.stage} · batches ${progress.batchesDone}/${progress.batchesTotal}`,
            win !== undefined ? `last win rate vs initial: ${win.toFixed(3)}` : '',
        ]
            .filter(Boolean)
            .join('\n\n'));
    };
    const setStatus = (status) => {
        progress.status = status;
        (0, workflow_1.upsertSearchAttributes)([
            { key: definitions_1.RLAIF_STATUS, value: status },
            { key: definitions_1.RLAIF_ROUND, value: progress.round },
            { key: definitions_1.RLAIF_STAGE, value: progress.stage },
        ]);
        show();
    };
    (0, workflow_1.setHandler)(definitions_1.progressQuery, () => progress);
    (0, workflow_1.setHandler)(definitions_1.stageProgressSignal, (p) => {
        if (p.round !== progress.round)
            return;
        const stageChanged = p.stage !== progress.stage;
        progress.stage = p.stage;
        progress.batchesDone = p.batchesDone;
        progress.batchesTotal = p.batchesTotal;
        if (stageChanged)
            (0, workflow_1.upsertSearchAttributes)([{ key: definitions_1.RLAIF_STAGE, value: p.stage }]);
        show();
    });
    const forwardPause = async () => {
        if (child)
            await child.signal(definitions_1.setPausedSignal, progress.paused).catch(() => undefined);
    };
    (0, workflow_1.setHandler)(definitions_1.pauseUpdate, async () => {
        progress.paused = true;
        await forwardPause();
        setStatus('paused');
        return progress;
    });
    (0, workflow_1.setHandler)(definitions_1.resumeUpdate, async () => {
        progress.paused = false;
        await forwardPause();
        setStatus(progress.stopAfterRound ? 'stopping' : 'running');
        return progress;
    });
    (0, workflow_1.setHandler)(definitions_1.stopAfterRoundUpdate, () => {
        progress.stopAfterRound = true;
        setStatus('stopping');
        return progress;
    });
    (0, workflow_1.upsertSearchAttributes)([{ key: definitions_1.RLAIF_CONFIG, value: config.name }]);
    setStatus('running');
    const prepared = await acts['rlaif.prepare'].executeWithOptions((0, stage_options_1.bookkeepingOptions)(config, 'prepare data and initial policy'), [
        { runKey, config },
    ]);
    const checkpoint = await acts['rlaif.loadCheckpoint']({ runKey });
    let state = checkpoint ?? { runKey, round: 0, policy: prepared.initialPolicy, history: [] };
    progress.history = state.history;
    progress.round = state.round;
    progress.latest = state.history[state.history.length - 1]?.metrics;
    if (checkpoint)
        workflow_1.log.info('resuming from checkpoint', { runKey, round: checkpoint.round });
    while (state.round < config.rounds && !progress.stopAfterRound) {
        const round = state.round + 1;
        progress.round = round;
        progress.stage = 'waiting';
        progress.batchesDone = 0;
        progress.batchesTotal = 0;
        if (progress.paused)
            setStatus('paused');
        await (0, workflow_1.condition)(() => !progress.paused || progress.stopAfterRound);
        if (progress.stopAfterRound)
            break;
        setStatus('running');
        child = await (0, workflow_1.startChild)(round_1.rlaifRound, {
            workflowId: `${info.workflowId}-round-${round}`,
            staticSummary: `${config.name}: round ${round} of ${config.rounds}`,
            args: [
                {
                    runKey,
                    round,
                    config,
                    parentWorkflowId: info.workflowId,
                    board: {
                        trainPrompts: prepared.trainPrompts,
                        evalPrompts: prepared.evalPrompts,
                        initialPolicy: prepared.initialPolicy,
                        policy: state.policy,
                        ...(state.preferencePool ? { preferencePool: state.preferencePool } : {}),
                    },
                },
            ],
        });
        if (progress.paused)
            await forwardPause();
        const result = await child.result();
        child = undefined;
        state = {
            runKey,
            round,
            policy: result.policy,
            ...(result.preferencePool ?? state.preferencePool
                ? { preferencePool: result.preferencePool ?? state.preferencePool }
                : {}),
            history: [...state.history, { round, metrics: result.metrics }],
        };
        await acts['rlaif.saveCheckpoint'].executeWithOptions((0, stage_options_1.bookkeepingOptions)(config, `checkpoint after round ${round}`), [
            state,
        ]);
        progress.history = state.history;
        progress.latest = result.metrics;
        show();
        if ((0, workflow_1.workflowInfo)().continueAsNewSuggested && state.round < config.rounds) {
            // The checkpoint holds everything; the next execution reloads it.
            await (0, workflow_1.continueAsNew)(rawConfig, { paused: progress.paused, stopAfterRound: progress.stopAfterRound });
        }
    }
    const stopped = state.round < config.rounds;
    progress.stage = 'done';
    setStatus(stopped ? 'stopping' : 'completed');
    const last = state.history[state.history.length - 1]?.metrics ?? {};
    const summary = {
        workflowId: info.workflowId,
        runKey,
        status: stopped ? 'stopped' : 'completed',
        rounds: state.round,
        history: state.history,
    };
    if (last.winRateVsInitial !== undefined)
        summary.winRateVsInitial = last.winRateVsInitial;
    if (last.winRateLow !== undefined && last.winRateHigh !== undefined)
        summary.winRateCI = [last.winRateLow, last.winRateHigh];
    if (last.rewardModelAgreement !== undefined)
        summary.rewardModelAgreement = last.rewardModelAgreement;
    if (last.meanReward !== undefined)
        summary.meanReward = last.meanReward;
    if (last.klToInitial !== undefined)
        summary.klToInitial = last.klToInitial;
    return summary;
}
//# sourceMappingURL=run.js.map