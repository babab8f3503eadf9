#!/usr/bin/env node
// Records the histories of a small finished run (the parent and each round) into
// tests/fixtures/, for the replay test. Run after changing workflows on purpose:
//   npm run build && node scripts/record-histories.js
'use strict';
require('../dist/tests/helpers/record-histories.js')
  .recordHistories(require('node:path').join(__dirname, '..', 'tests', 'fixtures'))
  .then(
    (files) => console.log(`recorded ${files.join(', ')}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
