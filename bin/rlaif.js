#!/usr/bin/env node
// Launcher: the CLI is compiled to dist/ by `npm run build` (npm run demo / npm test do it).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('rlaif: not built yet; run "npm run setup && npm run build" in the project folder\n');
  process.exit(1);
}
require(entry)
  .main(process.argv)
  .then(() => process.exit(process.exitCode ?? 0));
