#!/usr/bin/env node
/**
 * Prepares a checkout: npm dependencies and the Temporal CLI. Plain Node with built-ins only,
 * because it runs before `npm ci`. Idempotent: when nothing changed it only reads a stamp and
 * looks for one file, so `npm test` can call it every time.
 *
 * Usage: node scripts/setup.js [--quiet]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS_DIR = path.join(ROOT, '.tools');
const TOOLS_BIN = path.join(TOOLS_DIR, 'bin');
/** Where setup records the Temporal CLI it resolved, for code that needs it quickly. */
const TEMPORAL_PATH_FILE = path.join(TOOLS_DIR, 'temporal-path');
/** v1.5.1 is the newest CLI release whose go.mod has no replace directive, so `go install` builds it. */
const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const STAMP_FILE = path.join(ROOT, 'node_modules', '.rlaif-setup-stamp');
const EXE = process.platform === 'win32' ? '.exe' : '';

class SetupError extends Error {}

/** Returns the absolute path of an executable file named `name` on PATH, or null. */
function which(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name + EXE);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds the Temporal CLI: `temporal` on PATH as is, else the project-local build in .tools/bin.
 * Returns its absolute path, or null when there is none.
 */
function findTemporal(root = ROOT) {
  const onPath = which('temporal');
  if (onPath) return onPath;
  const local = path.join(root, '.tools', 'bin', 'temporal' + EXE);
  return isExecutable(local) ? local : null;
}

/** Finds the Go toolchain on PATH or at its default install location, or returns null. */
function findGo() {
  const onPath = which('go');
  if (onPath) return onPath;
  const usual = process.platform === 'win32' ? 'C:\\Program Files\\Go\\bin\\go.exe' : '/usr/local/go/bin/go';
  return isExecutable(usual) ? usual : null;
}

/** Hash of everything that decides node_modules: the lock file and the dependency fields. */
function dependencyHash() {
  const hash = crypto.createHash('sha256');
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(lock)) hash.update(fs.readFileSync(lock));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const field of [
    'dependencies',
    'devDependencies',
    'optionalDependencies',
    'peerDependencies',
    'overrides',
  ]) {
    hash.update(`\n${field}:${JSON.stringify(pkg[field] || {})}`);
  }
  return hash.digest('hex');
}

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Whether node_modules matches package.json and package-lock.json. The stamp is the fast path;
 * an install made by hand (npm ci / npm install) is adopted when npm's own record of it,
 * node_modules/.package-lock.json, is newer than both files, the test npm itself uses.
 */
function dependenciesUpToDate(hash) {
  try {
    if (fs.readFileSync(STAMP_FILE, 'utf8').trim() === hash) return 'stamp';
  } catch {
    // no stamp yet
  }
  const installed = mtimeMs(path.join(ROOT, 'node_modules', '.package-lock.json'));
  if (installed === null) return null;
  const inputs = [path.join(ROOT, 'package.json'), path.join(ROOT, 'package-lock.json')].map(mtimeMs);
  return inputs.every((t) => t === null || t <= installed) ? 'npm' : null;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) throw new SetupError(`could not run ${command}: ${result.error.message}`);
  return result.status === 0;
}

/** Installs npm dependencies when they are missing or stale, then checks onnxruntime-node loads. */
function ensureDependencies(log) {
  const hash = dependencyHash();
  const upToDate = fs.existsSync(path.join(ROOT, 'node_modules')) && dependenciesUpToDate(hash);
  if (upToDate === 'stamp') {
    log.info('npm dependencies are up to date');
    return;
  }
  if (upToDate === 'npm') {
    log.info(
      'npm dependencies were installed by npm after the last change to package.json and its lock file',
    );
  } else {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const hasLock = fs.existsSync(path.join(ROOT, 'package-lock.json'));
    const args = hasLock ? ['ci'] : ['install'];
    log.step(`installing npm dependencies (npm ${args[0]})`);
    if (!run(npm, args, { shell: process.platform === 'win32' })) {
      throw new SetupError(`npm ${args[0]} failed (see its output above)`);
    }
  }
  checkOnnxRuntime();
  fs.writeFileSync(STAMP_FILE, hash + '\n');
}

/** onnxruntime-node ships native binaries per platform; fail here rather than deep inside a test. */
function checkOnnxRuntime() {
  const result = spawnSync(process.execPath, ['-e', "require('onnxruntime-node')"], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    const detail = (result.stderr || (result.error && result.error.message) || '').trim();
    throw new SetupError(
      `onnxruntime-node does not load on this machine (${process.platform}-${process.arch}, Node ${process.version}).\n` +
        'It ships prebuilt CPU binaries for linux/darwin/win32 on x64 and arm64; check that `npm ci` ' +
        'finished and that .npmrc keeps `onnxruntime-node-install=skip`.\n' +
        detail,
    );
  }
}

/** Builds the pinned Temporal CLI into `gobin` with `go install`; returns the binary's path. */
function buildTemporal(go, gobin, log) {
  fs.mkdirSync(gobin, { recursive: true });
  log.step(
    `building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first time only, takes a few minutes)`,
  );
  const ok = run(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: gobin },
  });
  const built = path.join(gobin, 'temporal' + EXE);
  if (!ok || !isExecutable(built)) {
    throw new SetupError(
      `go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} failed (see its output above). ` +
        'It needs Go >= 1.22 and access to the Go module proxy; or install the Temporal CLI from ' +
        'https://docs.temporal.io/cli and put `temporal` on PATH.',
    );
  }
  return built;
}

/** Resolves the Temporal CLI, building it when there is none, and records it in .tools/temporal-path. */
function ensureTemporal(log) {
  let temporal = findTemporal();
  if (temporal) {
    log.info(`Temporal CLI: ${temporal}`);
  } else {
    const go = findGo();
    if (!go) {
      throw new SetupError(
        'the Temporal CLI was not found and cannot be built. Either\n' +
          '  - install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH, or\n' +
          `  - install Go >= 1.22 (https://go.dev/dl/) so that setup can build ${TEMPORAL_CLI_VERSION} into .tools/bin.`,
      );
    }
    temporal = buildTemporal(go, TOOLS_BIN, log);
    log.step(`built ${temporal}`);
  }
  let recorded = null;
  try {
    recorded = fs.readFileSync(TEMPORAL_PATH_FILE, 'utf8').trim();
  } catch {
    // not recorded yet
  }
  if (recorded !== temporal) {
    fs.mkdirSync(TOOLS_DIR, { recursive: true });
    fs.writeFileSync(TEMPORAL_PATH_FILE, temporal + '\n');
  }
  return temporal;
}

function main(argv) {
  const quiet = argv.includes('--quiet');
  const unknown = argv.filter((a) => a !== '--quiet');
  if (unknown.length > 0) {
    console.error(`[setup] unknown option ${unknown.join(' ')}; usage: node scripts/setup.js [--quiet]`);
    return 2;
  }
  // --quiet keeps the lines that announce real work (installs, builds) and drops the "all is well" ones.
  const log = {
    info: (msg) => quiet || console.log(`[setup] ${msg}`),
    step: (msg) => console.log(`[setup] ${msg}`),
  };
  try {
    ensureDependencies(log);
    ensureTemporal(log);
    return 0;
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    console.error(`[setup] error: ${err.message}`);
    return 1;
  }
}

module.exports = {
  TEMPORAL_CLI_VERSION,
  TEMPORAL_CLI_MODULE,
  TEMPORAL_PATH_FILE,
  findTemporal,
  findGo,
  buildTemporal,
  ensureTemporal,
  ensureDependencies,
  dependencyHash,
};

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
