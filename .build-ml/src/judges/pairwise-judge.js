"use strict";
/** The judge families: one interface per output shape. */
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=pairwise-judge.js.map