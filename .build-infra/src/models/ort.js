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
exports.ort = void 0;
exports.openSession = openSession;
exports.checkInputs = checkInputs;
/** One place that opens onnxruntime-node sessions, with the options every embedded model uses. */
const ort = __importStar(require("onnxruntime-node"));
exports.ort = ort;
/**
 * Opens an ORT session from model bytes. One intra-op thread: the graphs are tiny, so thread
 * hand-off costs more than it saves, and several sessions share two cores with the training loop.
 */
async function openSession(bytes, source) {
    try {
        return await ort.InferenceSession.create(bytes, {
            intraOpNumThreads: 1,
            interOpNumThreads: 1,
            executionMode: 'sequential',
            graphOptimizationLevel: 'all',
        });
    }
    catch (err) {
        throw new Error(`onnxruntime could not load ${source}: ${err.message}`);
    }
}
/** Throws unless the session declares exactly the expected input names. */
function checkInputs(session, expected, source) {
    const got = [...session.inputNames].sort();
    const want = [...expected].sort();
    if (got.join(',') !== want.join(',')) {
        throw new Error(`${source} declares inputs [${got.join(', ')}], expected [${want.join(', ')}]`);
    }
}
//# sourceMappingURL=ort.js.map