#!/usr/bin/env node
// Records replay fixtures of the current workflow code into tests/fixtures/histories/<label>/:
// a finished run and its rounds, a run that continued-as-new, a resumed run, a failed round and
// a paused one. Run it on the commit of every release, once tagged (docs/versioning.md), and
// commit the new folder: the replay test proves that runs started by the releases the policy
// still supports replay on the code that follows.
//   npm run build && node scripts/record-histories.js [label] [--build <dir>]
// The label defaults to the release tag on HEAD (v0.5.0); on an untagged commit it is
// v<package version>-<short commit>, with -dirty when workflows/ has uncommitted changes;
// --build names the compiled tree to load (default dist).
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const buildAt = args.indexOf('--build');
const buildDir = buildAt >= 0 ? args.splice(buildAt, 2)[1] : 'dist';
if (!buildDir) {
  console.error('record-histories: --build needs a folder, e.g. --build dist');
  process.exit(2);
}

function defaultLabel() {
  const git = (...a) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
  const version = require(path.join(root, 'package.json')).version;
  const dirty = git('status', '--porcelain', '--', 'workflows') !== '' ? '-dirty' : '';
  const tag = git('tag', '--points-at', 'HEAD', '--list', 'v*').split('\n')[0];
  if (tag && !dirty) return tag;
  return `v${version}-${git('rev-parse', '--short', 'HEAD')}${dirty}`;
}

const label = args[0] ?? defaultLabel();
if (!/^[A-Za-z0-9._-]+$/.test(label)) {
  console.error(`record-histories: label "${label}" must be letters, digits, dots, dashes or underscores`);
  process.exit(2);
}
const out = path.join(root, 'tests', 'fixtures', 'histories', label);
require(path.join(root, buildDir, 'tests', 'helpers', 'record-histories.js'))
  .recordHistories(out)
  .then(
    (files) => console.log(`recorded ${files.length} histories in ${path.relative(root, out)}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
