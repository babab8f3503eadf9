"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RLAIF_CONFIG = exports.RLAIF_STATUS = exports.RLAIF_STAGE = exports.RLAIF_ROUND = exports.stageProgressSignal = exports.setPausedSignal = exports.stopAfterRoundUpdate = exports.resumeUpdate = exports.pauseUpdate = exports.progressQuery = void 0;
/**
 * Names shared by workflows, clients and the CLI: queries, updates, signals, search attributes.
 * Workflow-safe.
 */
const common_1 = require("@temporalio/common");
const workflow_1 = require("@temporalio/workflow");
exports.progressQuery = (0, workflow_1.defineQuery)('progress');
exports.pauseUpdate = (0, workflow_1.defineUpdate)('pause');
exports.resumeUpdate = (0, workflow_1.defineUpdate)('resume');
exports.stopAfterRoundUpdate = (0, workflow_1.defineUpdate)('stopAfterRound');
/** Parent → round: pause or resume scheduling new activities. */
exports.setPausedSignal = (0, workflow_1.defineSignal)('setPaused');
/** Round → parent: stage progress. */
exports.stageProgressSignal = (0, workflow_1.defineSignal)('stageProgress');
exports.RLAIF_ROUND = (0, common_1.defineSearchAttributeKey)('RlaifRound', common_1.SearchAttributeType.INT);
exports.RLAIF_STAGE = (0, common_1.defineSearchAttributeKey)('RlaifStage', common_1.SearchAttributeType.KEYWORD);
exports.RLAIF_STATUS = (0, common_1.defineSearchAttributeKey)('RlaifStatus', common_1.SearchAttributeType.KEYWORD);
exports.RLAIF_CONFIG = (0, common_1.defineSearchAttributeKey)('RlaifConfig', common_1.SearchAttributeType.KEYWORD);
//# sourceMappingURL=definitions.js.map