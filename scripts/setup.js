#!/usr/bin/env node
/**
 * Prepares a checkout: npm dependencies, the Temporal CLI and the Versity S3 gateway the tests
 * run against, and with `--with ollama` the model server of `npm run test:real`. Plain Node with
 * built-ins only, because it runs before `npm ci`. Idempotent: when nothing changed it only reads
 * a stamp and looks for a few files, so `npm test` can call it every time.
 *
 * Usage: node scripts/setup.js [--quiet] [--with ollama]
 */
'use strict';

const { spawn, spawnSync } = require('node:child_process');
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
/** The S3-compatible server the store's tests run against (Apache-2.0; its go.mod has no replace). */
const VERSITYGW_VERSION = 'v1.8.0';
/** The real OpenAI-compatible model server `npm run test:real` runs against. */
const OLLAMA_VERSION = 'v0.17.4';
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
 * The first `relative` folder beside the checkout or beside one of its parents (a clone anywhere
 * under the folder that holds `shared/`), else where it would be beside the checkout (for messages).
 */
function findAbove(relative) {
  for (let dir = ROOT; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(ROOT, '..', relative);
  }
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

/** Installs npm dependencies when they are missing or stale, then checks onnxruntime-node loads. */
async function ensureDependencies(log) {
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
    log.step(`installing npm dependencies (npm ${args[0]}; about 3 min the first time)`);
    const what = `installing npm dependencies`;
    const { ok } = await runWithProgress(npm, args, what, { shell: process.platform === 'win32' });
    if (!ok) {
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
        'It ships prebuilt CPU binaries for linux/darwin/win32 on x64 and arm64 (no install script is ' +
        'needed: .npmrc sets `ignore-scripts=true`); check that `npm ci` finished without errors.\n' +
        detail,
    );
  }
}

/**
 * The Go programs setup can build. Each is used as is when found on PATH; otherwise it is built
 * with `go install` into .tools/bin and its path recorded in .tools/<name>-path. `ldflags` set the
 * version string the way each project's release build does, so the binaries do not call
 * themselves 0.0.0.
 *
 * `minutes` is the first build's time on a quiet 2-core machine: the build's CPU time (user +
 * system, from `/usr/bin/time -v`) halved, since `go build` keeps both cores busy. Measured on a
 * busy 2-core machine (wall times there were 5 to 6 times longer), in setup's order, each with
 * the Go build cache as the tools before it left it and the module cache warm (downloads add
 * network time): the Temporal CLI 477 s of CPU with an empty build cache (its 26 min wall time
 * there is what a user sharing the machine sees), the Versity gateway 153 s after it,
 * Ollama 413 s after both. Later builds reuse the caches and take seconds.
 */
const GO_TOOLS = {
  temporal: {
    title: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`,
    module: TEMPORAL_CLI_MODULE,
    version: TEMPORAL_CLI_VERSION,
    ldflags: `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION.slice(1)}`,
    minutes: 4,
    neededFor: 'the tests, the demo and every `rlaif` command that starts a dev server',
    install: 'install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH',
  },
  versitygw: {
    title: `the Versity S3 gateway ${VERSITYGW_VERSION}`,
    module: 'github.com/versity/versitygw/cmd/versitygw',
    version: VERSITYGW_VERSION,
    ldflags: `-X main.Version=${VERSITYGW_VERSION.slice(1)}`,
    minutes: 2,
    neededFor: 'the tests of the S3 artifact store',
    install: 'install versitygw (https://github.com/versity/versitygw) and put it on PATH',
  },
  ollama: {
    title: `Ollama ${OLLAMA_VERSION}`,
    module: 'github.com/ollama/ollama',
    version: OLLAMA_VERSION,
    ldflags: `-X github.com/ollama/ollama/version.Version=${OLLAMA_VERSION.slice(1)}`,
    minutes: 4,
    neededFor: '`npm run test:real`, the tests against a real model server',
    install: 'install Ollama (https://ollama.com/download) and put `ollama` on PATH',
    // Go module zips leave out Ollama's vendor/ folder; its llama.cpp part needs these headers.
    headers:
      process.env.RLAIF_OLLAMA_HEADERS || findAbove(path.join('shared', 'third_party', 'ollama-headers')),
  },
};

/** What a project-local build was built from; a build made from anything else is rebuilt. */
function buildSpec(name) {
  const tool = GO_TOOLS[name];
  return `${tool.module}@${tool.version} -ldflags ${tool.ldflags}\n`;
}

function buildStampOf(name, root = ROOT) {
  return path.join(root, '.tools', 'bin', `${name}.built-from`);
}

/**
 * Returns the absolute path of tool `name`: on PATH, else the project-local build when it was
 * built from the pinned version, else null.
 */
function findTool(name, root = ROOT) {
  const onPath = which(name);
  if (onPath) return onPath;
  const local = path.join(root, '.tools', 'bin', name + EXE);
  if (!isExecutable(local)) return null;
  try {
    return fs.readFileSync(buildStampOf(name, root), 'utf8') === buildSpec(name) ? local : null;
  } catch {
    return null;
  }
}

/** Finds the Temporal CLI: `temporal` on PATH as is, else the project-local build in .tools/bin. */
function findTemporal(root = ROOT) {
  return findTool('temporal', root);
}

function formatElapsed(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * CPU time (ms) of this process's finished children and their own finished children, from
 * /proc/self/stat (Linux); null elsewhere. A build's CPU time says what it would take on an
 * idle machine, whatever the machine was doing meanwhile.
 */
function childrenCpuMs() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // After the command name (which may hold spaces): cutime and cstime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * Runs a command to its end, printing `[setup] still <what>: <elapsed>` every `everyMs` so a long
 * build never looks like a hang. Resolves to whether it exited with 0, its wall time and (on
 * Linux) its CPU time.
 */
function runWithProgress(command, args, what, options = {}, everyMs = 15000) {
  const started = Date.now();
  const cpuBefore = childrenCpuMs();
  const ticker = setInterval(
    () => console.log(`[setup] still ${what}: ${formatElapsed(Date.now() - started)} elapsed`),
    everyMs,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(new SetupError(`could not run ${command}: ${err.message}`));
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      const cpuAfter = childrenCpuMs();
      resolve({
        ok: code === 0,
        elapsedMs: Date.now() - started,
        cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
      });
    });
  });
}

/** Builds tool `name` into `gobin` with `go install`; returns the binary's path. */
async function buildGoTool(name, go, gobin, log) {
  const tool = GO_TOOLS[name];
  fs.mkdirSync(gobin, { recursive: true });
  const env = { ...process.env, GOBIN: gobin };
  if (tool.headers) {
    if (!fs.existsSync(tool.headers)) {
      throw new SetupError(
        `${tool.title} cannot be built here: its build needs the header folder ${tool.headers} ` +
          `(see ../shared/third_party/README.md), which is missing. Either ${tool.install}, or ` +
          'put that folder in place and run setup again.',
      );
    }
    const include = `-I${tool.headers}`;
    env.CGO_CPPFLAGS = [process.env.CGO_CPPFLAGS, include].filter(Boolean).join(' ');
    env.CGO_CXXFLAGS = [process.env.CGO_CXXFLAGS, include].filter(Boolean).join(' ');
  }
  log.step(
    `building ${tool.title} with go install, for ${tool.neededFor} ` +
      `(first time only: about ${tool.minutes} min on a quiet 2-core machine; progress every 15 s)`,
  );
  const target = `${tool.module}@${tool.version}`;
  const { ok, elapsedMs, cpuMs } = await runWithProgress(
    go,
    ['install', '-ldflags', tool.ldflags, target],
    `building ${tool.title}`,
    { env },
  );
  const built = path.join(gobin, name + EXE);
  if (!ok || !isExecutable(built)) {
    throw new SetupError(
      `go install ${target} failed (see its output above). It needs Go >= 1.22 and access to ` +
        `the Go module proxy; or ${tool.install}.`,
    );
  }
  fs.writeFileSync(path.join(gobin, `${name}.built-from`), buildSpec(name));
  const cpu = cpuMs === null ? '' : ` (CPU time ${formatElapsed(cpuMs)})`;
  log.step(`built ${built} in ${formatElapsed(elapsedMs)}${cpu}`);
  return built;
}

/** Resolves tool `name`, building it when there is none, and records it in .tools/<name>-path. */
async function ensureGoTool(name, log) {
  const tool = GO_TOOLS[name];
  let found = findTool(name);
  if (found) {
    log.info(`${tool.title.replace(/ v[\d.]+$/, '')}: ${found}`);
  } else {
    const go = findGo();
    if (!go) {
      throw new SetupError(
        `${tool.title} was not found and cannot be built. Either\n` +
          `  - ${tool.install}, or\n` +
          `  - install Go >= 1.22 (https://go.dev/dl/) so that setup can build it into .tools/bin.`,
      );
    }
    found = await buildGoTool(name, go, TOOLS_BIN, log);
  }
  const pathFile = path.join(TOOLS_DIR, `${name}-path`);
  let recorded = null;
  try {
    recorded = fs.readFileSync(pathFile, 'utf8').trim();
  } catch {
    // not recorded yet
  }
  if (recorded !== found) {
    fs.mkdirSync(TOOLS_DIR, { recursive: true });
    fs.writeFileSync(pathFile, found + '\n');
  }
  return found;
}

/** Resolves the Temporal CLI, building it when there is none. */
function ensureTemporal(log) {
  return ensureGoTool('temporal', log);
}

const USAGE = 'usage: node scripts/setup.js [--quiet] [--with ollama]';

/** Parses the command line; returns { quiet, extra } or a string naming what is wrong. */
function parseArgs(argv) {
  const extra = [];
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quiet') quiet = true;
    else if (argv[i] === '--with' && GO_TOOLS[argv[i + 1]]) extra.push(argv[++i]);
    else return `unknown option ${argv.slice(i).join(' ')}; ${USAGE}`;
  }
  return { quiet, extra };
}

async function main(argv) {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    console.error(`[setup] ${args}`);
    return 2;
  }
  // --quiet keeps the lines that announce real work (installs, builds) and drops the "all is well" ones.
  const log = {
    info: (msg) => args.quiet || console.log(`[setup] ${msg}`),
    step: (msg) => console.log(`[setup] ${msg}`),
  };
  try {
    await ensureDependencies(log);
    for (const name of ['temporal', 'versitygw', ...args.extra]) await ensureGoTool(name, log);
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
  GO_TOOLS,
  parseArgs,
  runWithProgress,
  findTool,
  findTemporal,
  findGo,
  findAbove,
  buildGoTool,
  ensureGoTool,
  ensureTemporal,
  ensureDependencies,
  dependencyHash,
};

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
