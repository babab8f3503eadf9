"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.NON_RETRYABLE = void 0;
exports.stageActivityOptions = stageActivityOptions;
exports.bookkeepingOptions = bookkeepingOptions;
/** Failure types no retry can fix; the run fails at once with their message. */
exports.NON_RETRYABLE = ['ConfigError', 'InvalidInputError'];
function stageActivityOptions(config, stage, summary) {
    const t = config.timeouts;
    const taskQueue = stage ? (stage.taskQueue ?? config.taskQueues[stage.type]) : undefined;
    return {
        ...(taskQueue ? { taskQueue } : {}),
        summary,
        startToCloseTimeout: `${t.stageMinutes} minutes`,
        heartbeatTimeout: `${t.heartbeatSeconds} seconds`,
        retry: {
            initialInterval: '1 second',
            backoffCoefficient: 2,
            maximumInterval: '30 seconds',
            maximumAttempts: t.maxAttempts,
            nonRetryableErrorTypes: exports.NON_RETRYABLE,
        },
    };
}
/** Options for the small bookkeeping activities (prepare, checkpoints). */
function bookkeepingOptions(config, summary) {
    return { ...stageActivityOptions(config, undefined, summary) };
}
//# sourceMappingURL=stage-options.js.map