/**
 * The external trainer contract end to end: the example DPO trainer run as a child process
 * through runExternalTrainer (progress, a checkpoint that really learned, cancel and resume to
 * the same weights), and the runner's failure modes with tiny inline commands.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { policyFromOnnx, sequenceLogProb, type PolicyParams } from '../../src/models/policy';
import { NON_RETRYABLE_ERRORS } from '../../src/contracts';
import {
  findLatestCheckpoint,
  findTrainerCommand,
  runExternalTrainer,
  type TrainerProgress,
  type TrainerSpec,
} from '../../src/policy/external-trainer';
import { orientPreference, writeTrlPreferences } from '../../src/policy/trainer-data';
import { basePolicyOnnx, demoPairs } from './helpers';

/** Tests run from dist/tests/policy; the example lives in the source tree and loads dist/src. */
const TRAINER = path.resolve(__dirname, '../../../examples/trainers/dpo-trainer.js');
const NODE = process.execPath;
const STEPS = 20;

let dir: string;
let base: string;
let standardData: string;
let conversationalData: string;
const pairs = demoPairs(24);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rlaif-trainer-'));
  base = path.join(dir, 'base.onnx');
  await writeFile(base, basePolicyOnnx());
  standardData = (await writeTrlPreferences(path.join(dir, 'prefs.jsonl'), pairs)).path;
  conversationalData = (
    await writeTrlPreferences(path.join(dir, 'prefs-chat.jsonl'), pairs, { form: 'conversational' })
  ).path;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function dpoSpec(name: string, extra: TrainerSpec['hyperparameters'] = {}): TrainerSpec {
  return {
    version: 1,
    method: 'dpo',
    baseCheckpoint: base,
    dataFile: standardData,
    dataFormat: 'trl-standard',
    outputDir: path.join(dir, name, 'out'),
    hyperparameters: {
      beta: 0.5,
      learning_rate: 0.05,
      per_device_train_batch_size: 4,
      max_steps: STEPS,
      save_steps: 5,
      ...extra,
    },
    seed: 11,
  };
}

/** Mean log π(chosen) − log π(rejected) over the decisive training pairs. */
function meanGap(p: PolicyParams): number {
  const oriented = pairs.map(orientPreference).filter((x) => x !== undefined);
  return (
    oriented.reduce(
      (s, o) => s + sequenceLogProb(p, o.prompt, o.chosen) - sequenceLogProb(p, o.prompt, o.rejected),
      0,
    ) / oriented.length
  );
}

describe('runExternalTrainer with the example DPO trainer', () => {
  let finalBytes: Buffer;

  it('reports progress and checkpoints and returns a policy that prefers the chosen responses', async () => {
    const progress: TrainerProgress[] = [];
    const logs: string[] = [];
    const spec = dpoSpec('full');
    const result = await runExternalTrainer({
      command: [NODE, TRAINER],
      workDir: path.join(dir, 'full'),
      spec,
      onProgress: (p) => progress.push(p),
      onLog: (line) => logs.push(line),
    });
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(progress.every((p) => p.total === STEPS && Number.isFinite(p.loss))).toBe(true);
    expect(progress[0]!.metrics.epoch).toBe(1);
    expect(result.resumed).toBe(false);
    expect(result.stepsRun).toBe(STEPS);
    expect(result.checkpoints.map((c) => path.basename(c))).toEqual([
      'checkpoint-5',
      'checkpoint-10',
      'checkpoint-15',
      'checkpoint-20',
    ]);
    expect(result.checkpoint).toBe(path.join(spec.outputDir, 'checkpoint-20', 'policy.onnx'));
    expect(result.metrics.rewardAccuracy).toBeGreaterThan(0.9);
    expect(logs.some((l) => l.includes('22 pairs'))).toBe(true);
    const written = JSON.parse(await readFile(result.specPath, 'utf8')) as TrainerSpec;
    expect(written).toEqual(result.spec);
    expect(written.resumeFrom).toBeUndefined();

    finalBytes = await readFile(result.checkpoint);
    const trained = policyFromOnnx(finalBytes, 'trained');
    const before = meanGap(policyFromOnnx(basePolicyOnnx(), 'base'));
    expect(meanGap(trained) - before).toBeGreaterThan(1);
  });

  it('reads the conversational form to the same result', async () => {
    const spec = {
      ...dpoSpec('chat'),
      dataFile: conversationalData,
      dataFormat: 'trl-conversational' as const,
    };
    const result = await runExternalTrainer({
      command: [NODE, TRAINER],
      workDir: path.join(dir, 'chat'),
      spec,
    });
    expect(Buffer.compare(await readFile(result.checkpoint), finalBytes)).toBe(0);
  });

  it('stops quickly when aborted and resumes from the newest checkpoint to the same weights', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const slow = dpoSpec('resume', { step_delay_ms: 40 });
    const first = runExternalTrainer({
      command: [NODE, TRAINER],
      workDir: path.join(dir, 'resume'),
      spec: slow,
      signal: controller.signal,
      killGraceMs: 2000,
      onCheckpoint: (_path, step) => {
        if (step === 10) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - abortedAt).toBeLessThan(1500);
    const latest = await findLatestCheckpoint(slow.outputDir);
    expect(latest?.step).toBeGreaterThanOrEqual(10);
    expect(latest!.step).toBeLessThan(STEPS);

    const progress: TrainerProgress[] = [];
    const second = await runExternalTrainer({
      command: [NODE, TRAINER],
      workDir: path.join(dir, 'resume'),
      spec: dpoSpec('resume'),
      onProgress: (p) => progress.push(p),
    });
    expect(second.resumed).toBe(true);
    expect(second.resumeFrom).toBe(latest!.path);
    expect(second.spec.resumeFrom).toBe(latest!.path);
    expect(second.resumeStep).toBe(latest!.step);
    expect(second.stepsRun).toBe(STEPS - latest!.step);
    expect(progress[0]!.step).toBe(latest!.step + 1);
    expect(Buffer.compare(await readFile(second.checkpoint), finalBytes)).toBe(0);
  });
});

/** Whether a process is still running (a zombie left for a reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('a worker that dies', () => {
  it('takes its trainer down with it (the trainer watches stdin)', async () => {
    const runner = path.join(dir, 'runner.js');
    // Long silent steps: a trainer that printed often would die of EPIPE anyway; a quiet one
    // (loading a model, a slow step) has to notice that stdin closed.
    const spec = dpoSpec('orphan', { step_delay_ms: 5000, max_steps: 3 });
    await writeFile(
      runner,
      `const { runExternalTrainer } = require(${JSON.stringify(path.resolve(__dirname, '../../src/policy/external-trainer'))});
       runExternalTrainer({
         command: [process.execPath, ${JSON.stringify(TRAINER)}],
         workDir: ${JSON.stringify(path.join(dir, 'orphan'))},
         spec: ${JSON.stringify(spec)},
         onLog: (line) => console.log(line),
       }).catch(() => undefined);`,
    );
    const worker = spawn(NODE, [runner], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolvePid, reject) => {
      let text = '';
      worker.stdout.setEncoding('utf8').on('data', (c: string) => {
        text += c;
        const m = /\(pid (\d+)\)/.exec(text);
        if (m) resolvePid(Number(m[1]));
      });
      worker.on('exit', () => reject(new Error(`runner exited early: ${text}`)));
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(true);
    worker.kill('SIGKILL');
    const deadline = Date.now() + 2000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
  });
});

describe('runExternalTrainer failures and protocol', () => {
  let data: string;
  beforeAll(async () => {
    data = path.join(dir, 'p.jsonl');
    await writeFile(data, '{"prompt":"x","chosen":"a","rejected":"b"}\n');
  });
  const spec = (name: string): TrainerSpec => ({
    version: 1,
    method: 'dpo',
    baseCheckpoint: 'some-org/some-model',
    dataFile: data,
    dataFormat: 'trl-standard',
    outputDir: path.join(dir, name, 'out'),
    hyperparameters: {},
    seed: 1,
  });
  const script = (name: string, code: string) => ({
    command: [NODE, '-e', code],
    workDir: path.join(dir, name),
    spec: spec(name),
  });

  it('fails a missing command with a non-retryable error naming it', async () => {
    await expect(
      runExternalTrainer({ ...script('missing', ''), command: ['rlaif-no-such-trainer', '--flag'] }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/"rlaif-no-such-trainer" was not found/),
    });
  });

  it('reports the exit code and the tail of the output of a trainer that failed while training', async () => {
    const code =
      "console.log(JSON.stringify({ event: 'progress', step: 1 })); for (let i = 0; i < 60; i++) console.log('line ' + i); console.error('boom: out of memory'); process.exit(3)";
    const err = (await runExternalTrainer(script('fail', code)).catch((e: unknown) => e)) as {
      name: string;
      message: string;
      exitCode: number;
      outputTail: string[];
    };
    expect(err.name).toBe('TrainerFailedError');
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/exited with code 3/);
    expect(err.message).toContain('boom: out of memory');
    expect(err.message).toContain('line 59');
    expect(err.outputTail).toHaveLength(50);
    expect(err.outputTail).not.toContain('line 0');
  });

  it('fails a trainer that exits with an error before its first event as a startup error, not retried', async () => {
    const err = (await runExternalTrainer(
      script('startup', "console.error('ModuleNotFoundError: No module named trl'); process.exit(1)"),
    ).catch((e: unknown) => e)) as { name: string; message: string; exitCode: number };
    expect(err).toMatchObject({ name: 'TrainerStartupError', exitCode: 1 });
    expect(err.message).toMatch(
      /exited with code 1 before it reported any progress[\s\S]*No module named trl/,
    );
    expect(NON_RETRYABLE_ERRORS).toContain(err.name);
    // A signal (the OOM killer, a preempted node) or a shell's 128+n code may pass on a retry.
    for (const [name, code] of [
      ['killed', "process.kill(process.pid, 'SIGKILL')"],
      ['shell-killed', 'process.exit(137)'],
    ]) {
      const e = (await runExternalTrainer(script(name as string, code as string)).catch(
        (x: unknown) => x,
      )) as Error;
      expect(e.name).toBe('TrainerFailedError');
      expect(NON_RETRYABLE_ERRORS).not.toContain(e.name);
    }
  });

  it('finds a trainer command the way spawn will, or says why it cannot run', async () => {
    expect(await findTrainerCommand([NODE, '-v'])).toEqual({ found: true, path: NODE });
    const binDir = path.join(dir, 'bin');
    await mkdir(binDir, { recursive: true });
    const tool = path.join(binDir, 'my-trainer');
    await writeFile(tool, '#!/bin/sh\n', { mode: 0o755 });
    expect(await findTrainerCommand(['my-trainer'], dir, `/nonexistent:${binDir}`)).toEqual({
      found: true,
      path: tool,
    });
    expect(await findTrainerCommand(['bin/my-trainer'], dir)).toEqual({ found: true, path: tool });
    expect(await findTrainerCommand(['my-trainer'], dir, '/nonexistent')).toMatchObject({
      found: false,
      reason: 'missing',
      message: 'trainer command "my-trainer" was not found on PATH: install it or give its full path',
    });
    await chmod(tool, 0o644);
    expect(await findTrainerCommand(['./bin/my-trainer'], dir)).toMatchObject({
      found: false,
      reason: 'not-executable',
      message: `trainer command "./bin/my-trainer" (${tool}) is not executable`,
    });
    expect(await findTrainerCommand(['bin/none'], dir)).toMatchObject({ found: false, reason: 'missing' });
  });

  it('passes the spec path, parses events, resolves relative paths and keeps servedAs', async () => {
    const code = `
      const fs = require('fs');
      const specPath = process.argv[process.argv.length - 1];
      if (specPath !== process.env.RLAIF_TRAINER_SPEC) process.exit(9);
      const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
      fs.mkdirSync('final', { recursive: true });
      fs.writeFileSync('final/model.bin', 'x');
      console.log('{"event":"progress","step":1,"total":2,"loss":0.5,"lr":0.001,"note":"text"}');
      console.log('{"not an event": true}');
      process.stderr.write('bar 10%\\rbar 50%\\rbar 100%\\n');
      process.stdout.write('{"event":"progress","st');
      setTimeout(() => {
        process.stdout.write('ep":2,"total":2}\\n');
        console.log(JSON.stringify({ event: 'checkpoint', path: 'final', step: 2 }));
        console.log(JSON.stringify({ event: 'done', checkpoint: 'final', servedAs: { baseURL: 'http://gpu:8000/v1', model: 'policy-' + spec.seed }, metrics: { loss: 0.25, tag: 'ok', nested: {} } }));
      }, 50);`;
    const progress: TrainerProgress[] = [];
    const logs: string[] = [];
    const result = await runExternalTrainer({
      ...script('protocol', code),
      onProgress: (p) => progress.push(p),
      onLog: (l) => logs.push(l),
    });
    expect(progress).toEqual([
      { step: 1, total: 2, loss: 0.5, metrics: { lr: 0.001 } },
      { step: 2, total: 2, metrics: {} },
    ]);
    expect(logs.sort()).toEqual(['bar 100%', '{"not an event": true}']);
    expect(result.checkpoint).toBe(path.join(dir, 'protocol', 'final'));
    expect(result.checkpoints).toEqual([path.join(dir, 'protocol', 'final')]);
    expect(result.servedAs).toEqual({ baseURL: 'http://gpu:8000/v1', model: 'policy-1' });
    expect(result.metrics).toEqual({ loss: 0.25, tag: 'ok' });
    expect(result.spec.baseCheckpoint).toBe('some-org/some-model');
    expect(result).toMatchObject({ resumed: false, finalStep: 2, stepsRun: 2 });
  });

  it('fails a trainer that exits 0 without a done line, or names a checkpoint that does not exist', async () => {
    await expect(runExternalTrainer(script('nodone', "console.log('bye')"))).rejects.toMatchObject({
      name: 'TrainerFailedError',
      message: expect.stringMatching(/without a done line[\s\S]*bye/),
    });
    await expect(
      runExternalTrainer(
        script('ghost', 'console.log(JSON.stringify({ event: "done", checkpoint: "nowhere" }))'),
      ),
    ).rejects.toMatchObject({ name: 'TrainerFailedError', message: expect.stringMatching(/does not exist/) });
  });

  it('kills a trainer that outlives its timeout', async () => {
    const started = Date.now();
    await expect(
      runExternalTrainer({ ...script('slow', 'setInterval(() => {}, 1000)'), timeoutMs: 300 }),
    ).rejects.toMatchObject({ name: 'TrainerTimeoutError' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('rejects a spec a trainer cannot run before starting anything', async () => {
    await expect(
      runExternalTrainer({
        ...script('bad', ''),
        spec: { ...spec('bad'), dataFile: path.join(dir, 'none.jsonl') },
      }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/none\.jsonl does not exist/),
    });
    await expect(
      runExternalTrainer({ ...script('bad', ''), spec: { ...spec('bad'), method: 'grpo' } }),
    ).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/"prompts"/) });
  });
});

describe('findLatestCheckpoint', () => {
  it('picks the highest complete checkpoint-<step>, skipping empty folders and temporary names', async () => {
    const out = path.join(dir, 'ckpts');
    await mkdir(path.join(out, 'checkpoint-5'), { recursive: true });
    await writeFile(path.join(out, 'checkpoint-5', 'policy.onnx'), 'x');
    await mkdir(path.join(out, 'checkpoint-12'), { recursive: true });
    await mkdir(path.join(out, '.checkpoint-15.tmp-1'), { recursive: true });
    await writeFile(path.join(out, 'checkpoint-14.tmp'), 'x');
    await writeFile(path.join(out, 'checkpoint-10.onnx'), 'x');
    await writeFile(path.join(out, 'checkpoint-final'), 'x');
    expect(await findLatestCheckpoint(out)).toEqual({ path: path.join(out, 'checkpoint-10.onnx'), step: 10 });
    expect(await findLatestCheckpoint(path.join(dir, 'no-such-dir'))).toBeUndefined();
  });

  it('requires trainer_state.json in every folder once the trainer marks its folders with it', async () => {
    const out = path.join(dir, 'marked');
    await mkdir(path.join(out, 'checkpoint-20'), { recursive: true });
    await writeFile(path.join(out, 'checkpoint-20', 'trainer_state.json'), '{}');
    await mkdir(path.join(out, 'checkpoint-30'), { recursive: true });
    await writeFile(path.join(out, 'checkpoint-30', 'model.safetensors'), 'half');
    expect(await findLatestCheckpoint(out)).toEqual({ path: path.join(out, 'checkpoint-20'), step: 20 });
  });
});
