"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseRunConfig = parseRunConfig;
exports.stagesOf = stagesOf;
const errors_1 = require("./errors");
const schema_1 = require("./schema");
const stages_1 = require("./stages");
function formatPath(path) {
    if (path.length === 0)
        return '(config)';
    return path
        .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
        .join('');
}
function describeIssue(issue) {
    if (issue.code === 'unrecognized_keys') {
        return `${formatPath(issue.path)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys
            .map((k) => `"${k}"`)
            .join(', ')}`;
    }
    return `${formatPath(issue.path)}: ${issue.message}`;
}
/**
 * Validates a parsed JSON value as a run config. `source` names where it came from (a file
 * path, "workflow input") so the message says where to look.
 */
function parseRunConfig(value, source = 'run config') {
    const result = schema_1.RunConfigSchema.safeParse(value);
    if (!result.success) {
        const problems = result.error.issues.map(describeIssue);
        throw new errors_1.ConfigError(`Invalid ${source}:\n  - ${problems.join('\n  - ')}`, problems);
    }
    const config = result.data;
    const problems = (0, stages_1.checkStageGraph)((0, stages_1.expandStages)(config));
    if (problems.length > 0) {
        throw new errors_1.ConfigError(`Invalid ${source}:\n  - ${problems.join('\n  - ')}`, problems);
    }
    return config;
}
/** The stage DAG a config runs (its explicit stages, or its preset's). */
function stagesOf(config) {
    return (0, stages_1.expandStages)(config);
}
//# sourceMappingURL=parse.js.map