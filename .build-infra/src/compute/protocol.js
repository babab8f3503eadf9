"use strict";
/** Messages between an activity (main thread) and the compute thread running its job. */
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=protocol.js.map