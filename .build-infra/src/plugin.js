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
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.RlaifPlugin = exports.WORKFLOWS_PATH = void 0;
/**
 * The Temporal plugin. Add it to a Worker (`Worker.create({ plugins: [new RlaifPlugin()] })`)
 * to register the RLAIF activities under `rlaif.*` names, any custom stages, and the data
 * converter; add it to a Client for the same converter. Workflows are not shipped by a plugin
 * in TypeScript: re-export them from `temporal-rlaif/workflows` in your workflows file, or use
 * `workflowsPath` below.
 */
const path = __importStar(require("node:path"));
const plugin_1 = require("@temporalio/plugin");
const activities_1 = require("../activities");
const local_store_1 = require("./store/local-store");
const paths_1 = require("./paths");
/** The path of the workflow-safe entry point that a worker bundles. */
exports.WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.js');
class RlaifPlugin extends plugin_1.SimplePlugin {
    /** The artifact store the activities use. */
    store;
    constructor(options = {}) {
        const store = new local_store_1.LocalArtifactStore(options.storeRoot ?? (0, paths_1.defaultStoreRoot)());
        for (const name of Object.keys(options.stages ?? {})) {
            if (name.startsWith('rlaif.'))
                throw new Error(`custom stage "${name}": the rlaif. prefix is reserved`);
        }
        super({
            name: 'temporal-rlaif',
            activities: { ...(0, activities_1.createActivities)({ store }), ...(options.stages ?? {}) },
            ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
            ...(options.registerWorkflows === false ? {} : { workflowsPath: exports.WORKFLOWS_PATH }),
        });
        this.store = store;
    }
}
exports.RlaifPlugin = RlaifPlugin;
//# sourceMappingURL=plugin.js.map