#!/usr/bin/env node
// `npm run chaos`: the fault-injection suite; see docs/chaos.md and src/chaos/main.ts.
'use strict';
require('../dist/src/chaos/main.js');
