/**
 * Every example config in examples/ is valid, and every endpoint, trainer and data root it names
 * is offered by the example worker configs in examples/workers/ that serve it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { capabilityProblems, fileFields } from '../../src/capabilities/check';
import { loadWorkerCapabilities } from '../../src/capabilities/load';
import { parseFileRef } from '../../src/capabilities/file-ref';
import { loadRunConfigFile } from '../../src/config/load';
import { parseRunConfig } from '../../src/config/parse';
import type { StageSpec } from '../../src/config/schema';
import { taskQueueOf } from '../../src/config/stage-types';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

/** For each example: the worker configs of its workers and the task queues each polls. */
const WORKERS: Record<string, Array<[string, string[]]>> = {
  'demo.json': [],
  'external-trainer.json': [['local.json', ['rlaif']]],
  'fine-tune-local.json': [['local.json', ['rlaif']]],
  'local-server.json': [['local.json', ['rlaif']]],
  'ollama-judge.json': [['ollama.json', ['rlaif']]],
  'openai-fine-tune.json': [['openai.json', ['rlaif']]],
  'openai-judge.json': [['openai.json', ['rlaif']]],
  'vllm.json': [
    ['vllm-api.json', ['rlaif', 'api']],
    ['vllm-gpu.json', ['gpu']],
  ],
};

test('there are example configs for the demo, the local server, OpenAI, vLLM and Ollama', () => {
  for (const name of [
    'demo.json',
    'local-server.json',
    'openai-judge.json',
    'vllm.json',
    'ollama-judge.json',
  ]) {
    expect(files).toContain(name);
  }
  expect(Object.keys(WORKERS).sort()).toEqual([...files].sort());
});

test.each(files)('%s is a valid run config whose workers offer what it names', (file) => {
  const config = loadRunConfigFile(path.join(EXAMPLES, file));
  expect(config.rounds).toBeGreaterThan(0);
  // Run configs declare nothing inline: no endpoints, no commands, no paths, no keys.
  expect(config.endpoints).toEqual({});
  expect(config.policy.trainer?.command).toBeUndefined();
  expect(JSON.stringify(config)).not.toMatch(/sk-[A-Za-z0-9]{10,}|apiKeyEnv/);
  for (const { value } of fileFields(config)) expect(parseFileRef(value).root).toBeDefined();

  for (const [workerFile, queues] of WORKERS[file] ?? []) {
    const caps = loadWorkerCapabilities(path.join(EXAMPLES, 'workers', workerFile));
    const queueOf = (s: StageSpec) => taskQueueOf(config, s) ?? 'rlaif';
    const elsewhere = (usedBy: StageSpec[]) => usedBy.every((s) => !queues.includes(queueOf(s)));
    expect({ workerFile, problems: capabilityProblems(config, caps, elsewhere) }).toEqual({
      workerFile,
      problems: [],
    });
  }
  // Each data root a file names is declared by one of its workers.
  const roots = (WORKERS[file] ?? []).flatMap(([w]) =>
    Object.keys(loadWorkerCapabilities(path.join(EXAMPLES, 'workers', w)).spec.dataRoots),
  );
  for (const { value } of fileFields(config)) expect(roots).toContain(parseFileRef(value).root);
});

test('an endpoint that is not a URL, an llm judge without endpoint and an external preset without trainer are named', () => {
  expect(() =>
    parseRunConfig({
      endpoints: { j: { baseURL: 'localhost:8000', model: 'm' } },
      judge: { kind: 'llm', endpoint: 'j' },
    }),
  ).toThrow(/endpoints\.j\.baseURL: baseURL must be an http\(s\) URL/);
  expect(() => parseRunConfig({ judge: { kind: 'llm' } })).toThrow(
    /judge\.endpoint: a judge of kind "llm" needs an endpoint/,
  );
  expect(() => parseRunConfig({ preset: 'external' })).toThrow(/"external" needs policy\.trainer/);
  expect(() => parseRunConfig({ preset: 'external', policy: { trainer: {} } })).toThrow(
    /policy\.trainer: name the worker's trainer with "name"/,
  );
  expect(() =>
    parseRunConfig({ endpoints: { j: { baseURL: 'http://x/v1', model: 'm', apiKeyEnv: 'sk-live key' } } }),
  ).toThrow(/apiKeyEnv is the NAME of an environment variable/);
});
