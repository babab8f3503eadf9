"use strict";
/**
 * The rows that flow between stages. They live in the artifact store as JSONL; workflows only
 * ever see references to them.
 */
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=types.js.map