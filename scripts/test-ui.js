#!/usr/bin/env node
/**
 * `npm run test:ui`: the browser test of the Temporal UI (tests/ui/). It needs Chromium: Debian's
 * `chromium` package is used (and installed with apt-get when missing and we are root); without a
 * browser the test is skipped with a message and the command succeeds. Then it prepares the
 * checkout (scripts/setup.js), builds into dist/ as `npm test` does, and runs jest with
 * jest.ui.config.js. Plain Node with built-ins only.
 *
 * Usage: node scripts/test-ui.js [--out DIR] [jest arguments...]
 *   --out DIR   where the screenshots go (default .rlaif/ui-screenshots/)
 *   RLAIF_CHROMIUM=/path/to/chromium   use another Chromium binary
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CHROMIUM = process.env.RLAIF_CHROMIUM || '/usr/bin/chromium';
const APT_GET = '/usr/bin/apt-get';

function say(line) {
  console.log(`[test:ui] ${line}`);
}

/** Runs a command with the terminal attached; returns whether it exited with 0. */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (result.error) say(`${command} could not be started: ${result.error.message}`);
  return result.status === 0;
}

/** Installs Debian's chromium package when it is missing and we may; returns whether Chromium is there. */
function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return true;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!process.env.RLAIF_CHROMIUM && root && fs.existsSync(APT_GET)) {
    say(
      `Chromium is not at ${CHROMIUM}: installing Debian's chromium package ` +
        '(apt-get install -y --no-install-recommends chromium)',
    );
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = ['install', '-y', '--no-install-recommends', 'chromium'];
    // A fresh image may have no package lists yet: refresh them once and try again.
    if (!run(APT_GET, install, env)) {
      say('the install failed; refreshing the package lists (apt-get update) and trying once more');
      if (run(APT_GET, ['update'], env)) run(APT_GET, install, env);
    }
  }
  return fs.existsSync(CHROMIUM);
}

function main() {
  const args = process.argv.slice(2);
  const env = { ...process.env, RLAIF_CHROMIUM: CHROMIUM };
  const out = args.indexOf('--out');
  if (out >= 0) {
    if (!args[out + 1]) {
      say('--out needs a folder');
      return 2;
    }
    env.RLAIF_UI_SCREENSHOTS = path.resolve(args[out + 1]);
    args.splice(out, 2);
  }

  if (!ensureChromium()) {
    say(
      `SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's "chromium" package ` +
        '(apt-get install chromium, as root) or set RLAIF_CHROMIUM to a Chromium binary, then run again.',
    );
    return 0;
  }
  say(`using ${CHROMIUM}`);
  if (!run(process.execPath, [path.join(__dirname, 'setup.js')])) return 1;
  if (!run('npm', ['run', '-s', 'build'])) return 1;
  const jest = require.resolve('jest/bin/jest', { paths: [ROOT] });
  return run(process.execPath, [jest, '-c', path.join(ROOT, 'jest.ui.config.js'), ...args], env) ? 0 : 1;
}

process.exitCode = main();
