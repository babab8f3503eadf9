#!/usr/bin/env node
/**
 * An external trainer that implements the contract of docs/external-trainer.md with the project's
 * own small policy: DPO on TRL preference JSONL (standard or conversational), starting from an
 * ONNX policy checkpoint. It is what a TRL script does on a GPU, at the size of a CPU demo:
 *
 *   node examples/trainers/dpo-trainer.js <spec.json>      (or RLAIF_TRAINER_SPEC=<spec.json>)
 *
 * It writes `checkpoint-<step>/` (policy.onnx, optimizer.json, trainer_state.json) every
 * `save_steps` steps, prints progress / checkpoint / done JSON lines, and, given
 * `spec.resumeFrom`, loads those weights and optimizer state and skips the finished steps, so an
 * interrupted run that resumes ends with the same weights as one that was never interrupted.
 * Everything is deterministic given `spec.seed`. It needs the compiled project: `npm run build`.
 *
 * Hyperparameters (TRL's names where TRL has one): beta (0.1), learning_rate (0.02),
 * num_train_epochs (3), per_device_train_batch_size (8), max_steps (epochs × batches when absent),
 * save_steps (10), step_delay_ms (0: a pause after each step, to stand in for a slow GPU step).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const DIST = path.join(__dirname, '..', '..', 'dist', 'src');

/** Prints one protocol event as a JSON line. */
function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

/** An ordinary log line (not an event): the runner keeps the last ones for error messages. */
function log(message) {
  process.stdout.write(`[dpo-trainer] ${message}\n`);
}

/** Fails the way the contract expects: a message on stderr and a non-zero exit code. */
function fail(message, code = 2) {
  process.stderr.write(`dpo-trainer: ${message}\n`);
  process.exit(code);
}

function load(mod) {
  try {
    return require(path.join(DIST, mod));
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND')
      fail(`cannot load ${mod} from ${DIST}: run "npm run build" first`);
    throw err;
  }
}

const policy = load('models/policy');
const { Adam } = load('policy/adam');
const { dpoLoss, dpoPairLoss } = load('policy/dpo');
const { parseTrlPreferences } = load('policy/trainer-data');
const { Rng, seedFrom } = load('util/rng');

// The runner stops a cancelled trainer with SIGTERM. Checkpoints are written synchronously, so
// this handler never runs in the middle of one; exiting at once is safe.
process.on('SIGTERM', () => {
  log('SIGTERM: stopping');
  process.exit(143);
});

// The runner keeps stdin open as a pipe and never writes to it, so EOF means the worker is gone
// (crashed or killed): stop instead of training on as an orphan that a retry would race.
const stdinIsPipe = (() => {
  try {
    const s = fs.fstatSync(0);
    return s.isFIFO() || s.isSocket();
  } catch {
    return false;
  }
})();
function onRunnerGone() {
  log('stdin closed: the runner is gone, stopping');
  process.exit(143);
}
if (process.env.RLAIF_TRAINER_SPEC && stdinIsPipe) {
  process.stdin.on('end', onRunnerGone);
  process.stdin.resume();
}

function readSpec() {
  const file =
    process.argv.length > 2 ? process.argv[process.argv.length - 1] : process.env.RLAIF_TRAINER_SPEC;
  if (!file) fail('no spec: pass its path as the last argument or in RLAIF_TRAINER_SPEC');
  let spec;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read the spec ${file}: ${err.message}`);
  }
  if (spec.version !== 1) fail(`spec version ${spec.version} is not supported (expected 1)`);
  if (spec.method !== 'dpo') fail(`this example trainer implements method "dpo" only, not "${spec.method}"`);
  if (spec.dataFormat !== 'trl-standard' && spec.dataFormat !== 'trl-conversational') {
    fail(`method dpo needs preference data, got dataFormat "${spec.dataFormat}"`);
  }
  return spec;
}

/** A hyperparameter as a non-negative number (its first name that is set), or the default. */
function hp(spec, names, fallback, integer = false) {
  for (const name of names) {
    const v = (spec.hyperparameters || {})[name];
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      fail(`hyperparameter ${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${v}`);
    }
    return n;
  }
  return fallback;
}

/** The policy bytes of a checkpoint given as a policy.onnx file or a folder holding one. */
function readPolicyFile(p, what) {
  const file = fs.existsSync(p) && fs.statSync(p).isDirectory() ? path.join(p, 'policy.onnx') : p;
  try {
    return policy.policyFromOnnx(fs.readFileSync(file), `${what} ${file}`);
  } catch (err) {
    fail(`cannot load the ${what}: ${err.message}`);
  }
}

function encodeFloat64(arrays) {
  return arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64'));
}

function decodeFloat64(strings) {
  return strings.map((s) => {
    const b = Buffer.from(s, 'base64');
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  });
}

/** Writes checkpoint-<step>/ under a temporary name and renames it, so it appears whole or not at all. */
function saveCheckpoint(outputDir, step, total, params, adam, seed) {
  const final = path.join(outputDir, `checkpoint-${step}`);
  const tmp = path.join(outputDir, `.checkpoint-${step}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'policy.onnx'), policy.exportPolicyOnnx(params));
  const state = adam.snapshot();
  fs.writeFileSync(
    path.join(tmp, 'optimizer.json'),
    JSON.stringify({ step: state.step, m: encodeFloat64(state.m), v: encodeFloat64(state.v) }),
  );
  fs.writeFileSync(
    path.join(tmp, 'trainer_state.json'),
    JSON.stringify({ global_step: step, max_steps: total, seed }),
  );
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  emit({ event: 'checkpoint', path: final, step });
  return final;
}

/** The pairs of every step: seeded shuffles of the data, one per epoch, cut into batches. */
function schedule(count, batchSize, total, seed) {
  const steps = [];
  for (let epoch = 0; steps.length < total; epoch++) {
    const order = new Rng(seedFrom(seed, 'dpo-epoch', epoch)).shuffle([...Array(count).keys()]);
    for (let i = 0; i < order.length && steps.length < total; i += batchSize) {
      steps.push({ epoch, indices: order.slice(i, i + batchSize) });
    }
  }
  return steps;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main() {
  const spec = readSpec();
  const beta = hp(spec, ['beta'], 0.1);
  const lr = hp(spec, ['learning_rate', 'lr'], 0.02);
  const epochs = hp(spec, ['num_train_epochs', 'epochs'], 3, true);
  const batchSize = Math.max(1, hp(spec, ['per_device_train_batch_size', 'batch_size'], 8, true));
  const saveSteps = Math.max(1, hp(spec, ['save_steps'], 10, true));
  const stepDelayMs = hp(spec, ['step_delay_ms'], 0);

  const text = fs.readFileSync(spec.dataFile, 'utf8');
  let prefs;
  try {
    prefs = parseTrlPreferences(text, spec.dataFile);
  } catch (err) {
    fail(err.message);
  }
  if (prefs.length === 0) fail(`no preference rows in ${spec.dataFile}`);

  const ref = readPolicyFile(spec.referenceCheckpoint ?? spec.baseCheckpoint, 'reference policy');
  const params = readPolicyFile(
    spec.resumeFrom ?? spec.baseCheckpoint,
    spec.resumeFrom ? 'checkpoint' : 'base policy',
  );
  if (params.vocab.tokens.join('\n') !== ref.vocab.tokens.join('\n') || params.maxLen !== ref.maxLen) {
    fail('the policy and the reference have different vocabularies or maxLen');
  }
  let pairs;
  try {
    pairs = prefs.map((p) => {
      const ctx = policy.promptContext(params.vocab, p.prompt);
      const a = policy.encodeResponse(params, p.chosen);
      const b = policy.encodeResponse(params, p.rejected);
      return {
        ctx,
        a,
        b,
        q: p.q,
        refA: policy.tokensLogProb(ref, ctx, a),
        refB: policy.tokensLogProb(ref, ctx, b),
      };
    });
  } catch (err) {
    fail(`the data does not fit the policy: ${err.message}`);
  }

  const batchesPerEpoch = Math.ceil(pairs.length / batchSize);
  const total = hp(spec, ['max_steps'], 0, true) || epochs * batchesPerEpoch;
  if (total < 1) fail('nothing to train: num_train_epochs and max_steps are 0');
  const steps = schedule(pairs.length, batchSize, total, spec.seed);
  const adam = new Adam(policy.policyGroups(params), { lr });

  let start = 0;
  if (spec.resumeFrom) {
    const dir = spec.resumeFrom;
    try {
      const state = JSON.parse(fs.readFileSync(path.join(dir, 'trainer_state.json'), 'utf8'));
      const opt = JSON.parse(fs.readFileSync(path.join(dir, 'optimizer.json'), 'utf8'));
      adam.restore({ step: opt.step, m: decodeFloat64(opt.m), v: decodeFloat64(opt.v) });
      start = state.global_step;
    } catch (err) {
      fail(`cannot resume from ${dir}: ${err.message}`);
    }
    log(`resuming from ${dir} at step ${start} of ${total} (pid ${process.pid})`);
  } else {
    log(`training from ${spec.baseCheckpoint} (pid ${process.pid})`);
  }
  log(`${pairs.length} pairs, ${total} steps of ${batchSize} pairs, beta ${beta}, learning rate ${lr}`);

  fs.mkdirSync(spec.outputDir, { recursive: true });
  const grad = policy.zeroGrad(params);
  const groups = policy.gradGroups(grad);
  let last = spec.resumeFrom;
  for (let step = start + 1; step <= total; step++) {
    const { epoch, indices } = steps[step - 1];
    groups.forEach((g) => g.fill(0));
    const loss = dpoLoss(
      params,
      indices.map((i) => pairs[i]),
      beta,
      grad,
    );
    adam.step(groups);
    emit({ event: 'progress', step, total, loss, epoch: epoch + 1 });
    if (step % saveSteps === 0 || step === total)
      last = saveCheckpoint(spec.outputDir, step, total, params, adam, spec.seed);
    if (stepDelayMs > 0) await sleep(stepDelayMs);
  }

  let loss = 0;
  let margin = 0;
  let correct = 0;
  for (const pair of pairs) {
    const v = dpoPairLoss(params, pair, beta);
    loss += v.loss / pairs.length;
    margin += v.margin / pairs.length;
    if (v.margin > 0) correct++;
  }
  emit({
    event: 'done',
    checkpoint: path.join(last, 'policy.onnx'),
    metrics: {
      loss,
      rewardMargin: margin,
      rewardAccuracy: correct / pairs.length,
      steps: total,
      pairs: pairs.length,
    },
  });
}

main().then(
  () => {
    // Let the process end: the stdin watch would otherwise keep it alive.
    process.stdin.off('end', onRunnerGone);
    process.stdin.destroy();
  },
  (err) => fail(err && err.stack ? err.stack : String(err), 1),
);
