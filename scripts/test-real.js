#!/usr/bin/env node
/**
 * `npm run test:real`: the tests against a real third-party OpenAI-compatible model server,
 * Ollama (tests/real/). An `ollama` on PATH is used as is; otherwise scripts/setup.js builds the
 * pinned release with Go (`--with ollama`, several minutes the first time). The models it serves
 * are tiny GGUF files the tests write with the GPT-2 tokenizer from ../shared/test-models.
 *
 * Where Ollama can be neither found nor built (no Go, no header folder) or the tokenizer file is
 * missing, it says why and what to install, then skips (exit 0), or fails when CI=1. Then it
 * builds into dist/ as `npm test` does and runs jest with jest.real.config.js. Plain Node with
 * built-ins only.
 *
 * Usage: node scripts/test-real.js [jest arguments...]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const setup = require('./setup.js');

const ROOT = path.resolve(__dirname, '..');
const VOCAB = 'ggml-vocab-gpt-2.gguf';
const CI = process.env.CI === '1' || process.env.CI === 'true';

function say(line) {
  console.log(`[test:real] ${line}`);
}

/** Runs a command with the terminal attached; returns whether it exited with 0. */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (result.error) say(`${command} could not be started: ${result.error.message}`);
  return result.status === 0;
}

/** The shared test-models folder, as tests/helpers/gguf/tiny-llama.ts finds it. */
function findTestModels() {
  if (process.env.RLAIF_TEST_MODELS) {
    return fs.existsSync(path.join(process.env.RLAIF_TEST_MODELS, VOCAB))
      ? process.env.RLAIF_TEST_MODELS
      : null;
  }
  const folder = setup.findAbove(path.join('shared', 'test-models'));
  return fs.existsSync(path.join(folder, VOCAB)) ? folder : null;
}

/** Why Ollama cannot be had here, with what to install; null when it is there or can be built. */
function whyNoOllama() {
  if (setup.findTool('ollama')) return null;
  const tool = setup.GO_TOOLS.ollama;
  if (!setup.findGo()) {
    return (
      'Ollama is not on PATH and Go is not installed, so setup cannot build it. Install Go >= 1.22 ' +
      `(https://go.dev/dl/) so that \`node scripts/setup.js --with ollama\` builds ${tool.title}, or ${tool.install}.`
    );
  }
  if (!fs.existsSync(tool.headers)) {
    return (
      `Ollama is not on PATH and setup cannot build it: the build needs the header folder ${tool.headers} ` +
      `(nlohmann/json, miniaudio, stb_image; see ../shared/third_party/README.md), which is missing. ` +
      `Put that folder in place, or ${tool.install}.`
    );
  }
  return null;
}

/** Says why the tests cannot run; the exit code is 1 in CI (a silent skip would hide it), else 0. */
function skip(reason) {
  say(`${CI ? 'FAILED' : 'SKIPPED'}: ${reason}`);
  return CI ? 1 : 0;
}

function main() {
  const started = Date.now();
  const missing = whyNoOllama();
  if (missing) return skip(missing);
  const models = findTestModels();
  if (!models) {
    return skip(
      `no ${VOCAB} (the GPT-2 tokenizer the tests' models use) in a shared/test-models folder above ` +
        `${ROOT}; put it there (see ../shared/test-models/README.md) or set RLAIF_TEST_MODELS to its folder.`,
    );
  }
  if (!run(process.execPath, [path.join(__dirname, 'setup.js'), '--with', 'ollama'])) return 1;
  if (!run('npm', ['run', '-s', 'build'])) return 1;
  const jest = require.resolve('jest/bin/jest', { paths: [ROOT] });
  const env = { ...process.env, RLAIF_TEST_MODELS: models };
  const ok = run(
    process.execPath,
    [jest, '-c', path.join(ROOT, 'jest.real.config.js'), ...process.argv.slice(2)],
    env,
  );
  say(`${ok ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
  return ok ? 0 : 1;
}

process.exitCode = main();
