/** Every example config in examples/ is valid, and references are checked. */
import fs from 'node:fs';
import path from 'node:path';
import { loadRunConfigFile } from '../../src/config/load';
import { parseRunConfig } from '../../src/config/parse';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

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
});

test.each(files)('%s is a valid run config', (file) => {
  const config = loadRunConfigFile(path.join(EXAMPLES, file));
  expect(config.rounds).toBeGreaterThan(0);
  // No key values in configs: only the names of variables that hold them.
  expect(JSON.stringify(config)).not.toMatch(/sk-[A-Za-z0-9]{10,}/);
});

test('an endpoint that is not a URL, an unknown endpoint name and an llm judge without endpoint are named', () => {
  expect(() =>
    parseRunConfig({
      endpoints: { j: { baseURL: 'localhost:8000', model: 'm' } },
      judge: { kind: 'llm', endpoint: 'j' },
    }),
  ).toThrow(/endpoints\.j\.baseURL: baseURL must be an http\(s\) URL/);
  expect(() => parseRunConfig({ judge: { kind: 'llm', endpoint: 'nope' } })).toThrow(
    /judge\.endpoint: no endpoint named "nope"/,
  );
  expect(() => parseRunConfig({ judge: { kind: 'llm' } })).toThrow(
    /judge\.endpoint: a judge of kind "llm" needs an endpoint/,
  );
  expect(() => parseRunConfig({ preset: 'external' })).toThrow(/"external" needs policy\.trainer/);
  expect(() =>
    parseRunConfig({ endpoints: { j: { baseURL: 'http://x/v1', model: 'm', apiKeyEnv: 'sk-live key' } } }),
  ).toThrow(/apiKeyEnv is the NAME of an environment variable/);
});
