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
exports.rlaifRound = exports.rlaifRun = void 0;
/**
 * The workflow-safe entry point: a user's own workflows file re-exports these
 * (`export * from 'temporal-rlaif/workflows'`), because a TypeScript plugin cannot ship
 * workflows by itself.
 */
var run_1 = require("./run");
Object.defineProperty(exports, "rlaifRun", { enumerable: true, get: function () { return run_1.rlaifRun; } });
var round_1 = require("./round");
Object.defineProperty(exports, "rlaifRound", { enumerable: true, get: function () { return round_1.rlaifRound; } });
__exportStar(require("./definitions"), exports);
//# sourceMappingURL=index.js.map