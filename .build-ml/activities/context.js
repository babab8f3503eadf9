"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.reportProgress = reportProgress;
exports.previousProgress = previousProgress;
exports.activitySignal = activitySignal;
exports.classified = classified;
/**
 * The Temporal side of an activity in one place: heartbeats with progress details, the
 * cancellation signal, and turning errors into failures Temporal classifies correctly.
 */
const activity_1 = require("@temporalio/activity");
const common_1 = require("@temporalio/common");
const errors_1 = require("../src/config/errors");
/** Heartbeats progress. The SDK throttles sends, so calling it often is cheap. */
function reportProgress(progress) {
    (0, activity_1.heartbeat)(progress);
}
/** The progress the previous attempt of this activity reported, if any. */
function previousProgress() {
    const details = (0, activity_1.activityInfo)().heartbeatDetails;
    if (details && typeof details.rows === 'number' && details.rows >= 0) {
        return { rows: details.rows, total: details.total ?? 0 };
    }
    return undefined;
}
/** The signal that fires when Temporal cancels this activity (or the worker shuts down). */
function activitySignal() {
    return (0, activity_1.cancellationSignal)();
}
/** Errors that a retry cannot fix, by name (`instanceof` is not reliable across bundles). */
const PERMANENT_ERRORS = new Set(['ConfigError', 'InvalidInputError']);
/**
 * Runs an activity body, turning permanent errors into non-retryable failures with their
 * message intact; everything else is left to the retry policy.
 */
async function classified(body) {
    try {
        return await body();
    }
    catch (err) {
        if (err instanceof errors_1.ConfigError || (err instanceof Error && PERMANENT_ERRORS.has(err.name))) {
            throw common_1.ApplicationFailure.nonRetryable(err.message, err.name);
        }
        throw err;
    }
}
//# sourceMappingURL=context.js.map