/** What a worker offers runs, and how a run config's names for it are resolved or refused. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capabilityProblems } from '../../src/capabilities/check';
import { loadWorkerCapabilities } from '../../src/capabilities/load';
import { WorkerCapabilities } from '../../src/capabilities/worker-capabilities';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfigInput } from '../../src/config/schema';
import { endpointKey } from '../../src/providers/endpoint';
import { clearSecrets, redactError, redactSecrets } from '../../src/util/redact';

let dir: string;
let root: string;
beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-caps-')));
  root = path.join(dir, 'data');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sub', 'train.jsonl'), '{"id":1,"prompt":"p"}\n');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'sk-CANARY\n');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'escape.txt'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const config = (input: RunConfigInput) => parseRunConfig(input);
const caps = (trust = false) =>
  new WorkerCapabilities(
    {
      trustRunConfigs: trust,
      endpoints: {
        judge: { baseURL: 'http://127.0.0.1:9/v1', model: 'j', apiKeyEnv: 'RLAIF_TEST_JUDGE_KEY' },
      },
      trainers: {
        'dpo-demo': { command: ['node', 'train.js'], env: ['RLAIF_TEST_TRAINER_VAR'], maxTimeoutMinutes: 5 },
      },
      dataRoots: { data: root },
    },
    'the worker config file /etc/rlaif/worker.json',
  );

describe('endpoints', () => {
  test('a declared endpoint is resolved by name; an unknown one names what is offered and where', () => {
    const c = config({ judge: { kind: 'llm', endpoint: 'judge' } });
    expect(caps().endpoint(c, 'judge', 'judge.endpoint').baseURL).toBe('http://127.0.0.1:9/v1');
    expect(() => caps().endpoint(c, 'other', 'judge.endpoint')).toThrow(
      'judge.endpoint: this worker offers no endpoint named "other" (it offers "judge"); its owner declares endpoints in the worker config file /etc/rlaif/worker.json under "endpoints"',
    );
  });

  test('an inline endpoint is refused unless the worker trusts run configs', () => {
    const c = config({
      endpoints: {
        evil: { baseURL: 'http://attacker.invalid/v1', model: 'm', apiKeyEnv: 'AWS_SECRET_ACCESS_KEY' },
      },
      judge: { kind: 'llm', endpoint: 'evil' },
    });
    expect(() => caps().endpoint(c, 'evil', 'judge.endpoint')).toThrow(
      /^endpoints\.evil: the run config gives an endpoint \(URL and key variable\) inline, but this worker uses only what its owner declares \(in the worker config file/,
    );
    expect(caps(true).endpoint(c, 'evil', 'judge.endpoint').baseURL).toBe('http://attacker.invalid/v1');
  });
});

describe('trainers', () => {
  test('a declared trainer gets only PATH, HOME, LANG, TMPDIR and its declared variables', () => {
    process.env.RLAIF_TEST_TRAINER_VAR = 'passed-on';
    process.env.RLAIF_CODEC_KEY_CANARY_TEST = 'never-passed';
    try {
      const t = caps().trainer({
        name: 'dpo-demo',
        method: 'dpo',
        dataFormat: 'trl-standard',
        hyperparameters: {},
        timeoutMinutes: 60,
      });
      expect(t.command).toEqual(['node', 'train.js']);
      expect(t.env.RLAIF_TEST_TRAINER_VAR).toBe('passed-on');
      expect(t.env.PATH).toBe(process.env.PATH);
      expect(
        Object.keys(t.env).every((k) =>
          ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'RLAIF_TEST_TRAINER_VAR'].includes(k),
        ),
      ).toBe(true);
      expect(t.timeoutMs).toBe(5 * 60_000); // the worker's limit wins over the run's 60 minutes
    } finally {
      delete process.env.RLAIF_TEST_TRAINER_VAR;
      delete process.env.RLAIF_CODEC_KEY_CANARY_TEST;
    }
  });

  test('an inline command is refused unless trusted; an unknown name lists the trainers', () => {
    const inline = {
      command: ['/bin/sh', '-c', 'id'],
      method: 'dpo' as const,
      dataFormat: 'trl-standard' as const,
      hyperparameters: {},
      timeoutMinutes: 1,
    };
    expect(() => caps().trainer(inline)).toThrow(
      /^policy\.trainer\.command: the run config gives a command to run inline/,
    );
    expect(caps(true).trainer(inline).command).toEqual(['/bin/sh', '-c', 'id']);
    expect(() => caps().trainer({ ...inline, command: undefined, name: 'nope' })).toThrow(
      'policy.trainer.name: this worker offers no trainer named "nope" (it offers "dpo-demo")',
    );
  });
});

describe('data files', () => {
  test('"root:path" resolves inside the root', async () => {
    expect(await caps().dataFile('data:sub/train.jsonl', 'data.trainFile')).toBe(
      path.join(root, 'sub', 'train.jsonl'),
    );
  });

  test.each([
    ['data:../secret.txt', 'must not contain ".."'],
    ['data:/etc/passwd', 'must be relative'],
    ['data:escape.txt', 'leads outside data root "data"'],
    ['data:sub/missing.jsonl', 'there is no file "sub/missing.jsonl" in data root "data"'],
    ['models:x.onnx', 'this worker has no data root named "models" (it has "data")'],
    ['/etc/passwd', 'is a path on the worker, but this worker reads files only from the data roots'],
  ])('%s is refused: %s', async (ref, message) => {
    const err = (await caps()
      .dataFile(ref, 'data.trainFile')
      .catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('CapabilityError');
    expect(err.message).toContain(message);
    expect(err.message).not.toContain(dir); // the worker's folders are not told to the sender
  });

  test('a plain path is read as given by a worker that trusts run configs', async () => {
    expect(await caps(true).dataFile(path.join(dir, 'secret.txt'), 'f')).toBe(path.join(dir, 'secret.txt'));
  });
});

test('capabilityProblems lists every inline capability a strict worker refuses, whatever the stages', () => {
  const c = config({
    preset: 'external',
    endpoints: { x: { baseURL: 'http://x.invalid/v1', model: 'm' } },
    data: { kind: 'jsonl', trainFile: '/etc/passwd', evalFile: 'data:sub/train.jsonl' },
    judge: { kind: 'llm', endpoint: 'judge', batchApi: { baseURL: 'http://x.invalid/v1' } },
    policy: { trainer: { command: ['/bin/sh', '-c', 'id > pwned.txt'] } },
  });
  const problems = capabilityProblems(c, caps(), () => false);
  expect(problems.map((p) => p.split(':')[0])).toEqual([
    'endpoints.x',
    'judge.batchApi.baseURL',
    'policy.trainer.command',
    'data.trainFile',
  ]);
  expect(capabilityProblems(c, caps(true), () => false)).toEqual([]);
  // A stage another worker runs is checked by that worker.
  const named = config({ judge: { kind: 'llm', endpoint: 'elsewhere' } });
  expect(capabilityProblems(named, caps(), () => true)).toEqual([]);
  expect(capabilityProblems(named, caps(), () => false)[0]).toMatch(
    /^judge\.endpoint: this worker offers no endpoint named "elsewhere"/,
  );
});

test('a worker config file: relative roots are taken from its folder; mistakes name the file and field', () => {
  const file = path.join(dir, 'worker.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ dataRoots: { data: 'data' }, trainers: { tr: { command: ['x'], cwd: 'sub' } } }),
  );
  const loaded = loadWorkerCapabilities(file);
  expect(loaded.spec.dataRoots.data).toBe(root);
  expect(loaded.spec.trainers.tr?.cwd).toBe(path.join(dir, 'sub'));
  expect(loaded.trustsRunConfigs).toBe(false);
  fs.writeFileSync(
    file,
    JSON.stringify({
      endpoints: { jj: { baseURL: 'ftp://x', model: 'm' }, j: { baseURL: 'http://x', model: 'm' } },
      trustRunConfig: true,
    }),
  );
  expect(() => loadWorkerCapabilities(file)).toThrow(new RegExp(`Invalid worker config file ${file}`));
  expect(() => loadWorkerCapabilities(file)).toThrow(
    /endpoints\.jj\.baseURL: baseURL must be an http\(s\) URL/,
  );
  expect(() => loadWorkerCapabilities(file)).toThrow(
    /endpoints\.j: not an acceptable name \(a name of 2 to 40/,
  );
  expect(() => loadWorkerCapabilities(file)).toThrow(/\(config\): unknown field "trustRunConfig"/);
});

test('the keys of declared endpoints are redacted from error messages and stacks', () => {
  clearSecrets();
  const key = `judge-CANARY-${randomBytes(8).toString('hex')}`;
  process.env.RLAIF_TEST_JUDGE_KEY = key;
  try {
    caps(); // declaring the endpoint registers its key
    const err = redactError(new Error(`server said: bad key ${key}`));
    expect(err.message).toBe('server said: bad key [redacted]');
    expect(err.stack).not.toContain('CANARY');
    expect(redactSecrets('short ok')).toBe('short ok');
  } finally {
    delete process.env.RLAIF_TEST_JUDGE_KEY;
    clearSecrets();
  }
});

test('rate governors are keyed by endpoint and credential: other key variable or value, other governor', () => {
  process.env.RLAIF_TEST_KEY_A = 'key-a-0123456789';
  process.env.RLAIF_TEST_KEY_B = 'key-b-0123456789';
  try {
    const base = { baseURL: 'http://h/v1', model: 'm' };
    const a = endpointKey({ ...base, apiKeyEnv: 'RLAIF_TEST_KEY_A' });
    expect(endpointKey({ ...base, apiKeyEnv: 'RLAIF_TEST_KEY_B' })).not.toBe(a);
    expect(endpointKey({ ...base, apiKeyEnv: 'RLAIF_TEST_KEY_A' })).toBe(a);
    expect(endpointKey(base)).not.toBe(a);
    expect(a).not.toContain('key-a-0123456789');
    process.env.RLAIF_TEST_KEY_A = 'key-c-0123456789';
    expect(endpointKey({ ...base, apiKeyEnv: 'RLAIF_TEST_KEY_A' })).not.toBe(a);
  } finally {
    delete process.env.RLAIF_TEST_KEY_A;
    delete process.env.RLAIF_TEST_KEY_B;
  }
});
