#!/usr/bin/env node
/**
 * Builds the workflow bundles workers start from (dist/workflow-bundle), after tsc: part of
 * `npm run build`. A worker whose bundle is missing or older than the code bundles at start.
 */
'use strict';

const path = require('node:path');

const started = Date.now();
const { buildWorkflowBundles, BUNDLE_DIR } = require(
  path.join(__dirname, '..', 'dist', 'src', 'bundle', 'workflow-bundle.js'),
);
buildWorkflowBundles().then(
  () => {
    const where = path.relative(process.cwd(), BUNDLE_DIR) || BUNDLE_DIR;
    console.log(`[build] workflow bundles in ${where} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  },
  (err) => {
    console.error(`[build] bundling the workflows failed: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 1;
  },
);
