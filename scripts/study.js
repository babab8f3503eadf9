#!/usr/bin/env node
// `npm run study`: the over-optimization study, offline; see src/study/main.ts.
'use strict';
const { studyMain } = require('../dist/src/study/main.js');
studyMain(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`study: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
