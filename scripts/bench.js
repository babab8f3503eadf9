#!/usr/bin/env node
// `npm run bench`: see src/bench/main.ts for what each figure measures.
'use strict';
require('../dist/src/bench/main.js');
