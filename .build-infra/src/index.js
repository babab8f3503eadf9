"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.createConfidenceFilterStage = exports.runResult = exports.resumeRun = exports.startRun = exports.connectWorker = exports.connectClient = exports.resolveConnection = exports.LocalArtifactStore = exports.ConfigError = exports.loadRunConfigFile = exports.parseRunConfig = exports.RunConfigSchema = exports.createActivities = exports.WORKFLOWS_PATH = exports.RlaifPlugin = void 0;
/** The package root: the plugin, activities, config, store and client helpers. Not workflow-safe. */
var plugin_1 = require("./plugin");
Object.defineProperty(exports, "RlaifPlugin", { enumerable: true, get: function () { return plugin_1.RlaifPlugin; } });
Object.defineProperty(exports, "WORKFLOWS_PATH", { enumerable: true, get: function () { return plugin_1.WORKFLOWS_PATH; } });
var activities_1 = require("../activities");
Object.defineProperty(exports, "createActivities", { enumerable: true, get: function () { return activities_1.createActivities; } });
var schema_1 = require("./config/schema");
Object.defineProperty(exports, "RunConfigSchema", { enumerable: true, get: function () { return schema_1.RunConfigSchema; } });
var parse_1 = require("./config/parse");
Object.defineProperty(exports, "parseRunConfig", { enumerable: true, get: function () { return parse_1.parseRunConfig; } });
var load_1 = require("./config/load");
Object.defineProperty(exports, "loadRunConfigFile", { enumerable: true, get: function () { return load_1.loadRunConfigFile; } });
var errors_1 = require("./config/errors");
Object.defineProperty(exports, "ConfigError", { enumerable: true, get: function () { return errors_1.ConfigError; } });
var local_store_1 = require("./store/local-store");
Object.defineProperty(exports, "LocalArtifactStore", { enumerable: true, get: function () { return local_store_1.LocalArtifactStore; } });
__exportStar(require("./contracts"), exports);
var connection_1 = require("./connection");
Object.defineProperty(exports, "resolveConnection", { enumerable: true, get: function () { return connection_1.resolveConnection; } });
Object.defineProperty(exports, "connectClient", { enumerable: true, get: function () { return connection_1.connectClient; } });
Object.defineProperty(exports, "connectWorker", { enumerable: true, get: function () { return connection_1.connectWorker; } });
var runs_1 = require("./cli/runs");
Object.defineProperty(exports, "startRun", { enumerable: true, get: function () { return runs_1.startRun; } });
Object.defineProperty(exports, "resumeRun", { enumerable: true, get: function () { return runs_1.resumeRun; } });
Object.defineProperty(exports, "runResult", { enumerable: true, get: function () { return runs_1.runResult; } });
var confidence_filter_1 = require("./custom/confidence-filter");
Object.defineProperty(exports, "createConfidenceFilterStage", { enumerable: true, get: function () { return confidence_filter_1.createConfidenceFilterStage; } });
//# sourceMappingURL=index.js.map