"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_TASK_QUEUE = exports.ACTIVITY_PREFIX = void 0;
/** Activities are registered as `rlaif.<name>` so they cannot clash with a user's own. */
exports.ACTIVITY_PREFIX = 'rlaif.';
/** The default task queue for workflows and every stage not routed elsewhere. */
exports.DEFAULT_TASK_QUEUE = 'rlaif';
//# sourceMappingURL=contracts.js.map