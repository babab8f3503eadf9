"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigError = void 0;
/** A configuration that cannot run. Never retried: the same input fails the same way. */
class ConfigError extends Error {
    problems;
    name = 'ConfigError';
    constructor(message, 
    /** Each problem as "path: what was expected". */
    problems = []) {
        super(message);
        this.problems = problems;
    }
}
exports.ConfigError = ConfigError;
//# sourceMappingURL=errors.js.map