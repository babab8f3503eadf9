/** Warnings at a run's start about models their endpoints are retiring, and about OpenAI fine-tuning closing. */
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { retiringModelWarnings } from '../../src/cli/retiring-models';
import { parseRunConfig } from '../../src/config/parse';
import { parseEndpointConfig } from '../../src/providers/endpoint';
import { endpointsUsed, retirementWarnings, shutdownDay } from '../../src/providers/model-retirement';

let server: Server;
let base: string;
const seen: Array<{ url?: string; auth?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
    if (req.url !== '/v1/models') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data: [
          { id: 'judge-old', object: 'model', shutdown_date: 1798761600 },
          { id: 'policy-old', object: 'model', shutdown_date: '2027-03-01' },
          { id: 'current', object: 'model' },
        ],
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('shutdown dates in seconds or as text name the day', () => {
  expect(shutdownDay(1798761600)).toBe('2027-01-01');
  expect(shutdownDay('2027-03-01')).toBe('2027-03-01');
  expect(shutdownDay(null)).toBeUndefined();
  expect(shutdownDay('')).toBeUndefined();
});

test('a warning per used model with a shutdown_date, one request per endpoint, with its key', async () => {
  process.env.RLAIF_TEST_RETIRE_KEY = 'sk-test-retire';
  const ep = (model: string) =>
    parseEndpointConfig({ baseURL: base, model, apiKeyEnv: 'RLAIF_TEST_RETIRE_KEY' });
  const before = seen.length;
  const warnings = await retirementWarnings([
    { field: 'judge.endpoint', endpoint: ep('judge-old'), models: ['judge-old'] },
    { field: 'generate.endpoint', endpoint: ep('current'), models: ['current'] },
    { field: 'rewardModel.endpoint', endpoint: ep('policy-old'), models: ['policy-old'] },
  ]);
  expect(warnings).toEqual([
    expect.stringMatching(/^judge\.endpoint: model "judge-old" .* shutdown_date of 2027-01-01/),
    expect.stringMatching(/^rewardModel\.endpoint: model "policy-old" .* shutdown_date of 2027-03-01/),
  ]);
  expect(seen.slice(before)).toEqual([{ url: '/v1/models', auth: 'Bearer sk-test-retire' }]);
  // An endpoint that cannot be asked gives no warning and no error.
  const dead = parseEndpointConfig({ baseURL: 'http://127.0.0.1:9/v1', model: 'judge-old' });
  expect(
    await retirementWarnings([{ field: 'judge.endpoint', endpoint: dead, models: ['judge-old'] }]),
  ).toEqual([]);
});

test('fine-tuning on OpenAI warns that it closes to new jobs on 2027-01-06', async () => {
  const openai = parseEndpointConfig({ baseURL: 'https://api.openai.com/v1', model: 'gpt-4.1-mini' });
  const warnings = await retirementWarnings(
    [{ field: 'policy.fineTune.endpoint', endpoint: openai, models: ['gpt-4.1-mini'], fineTunes: true }],
    { fetch: () => Promise.reject(new Error('offline')) },
  );
  expect(warnings).toEqual([expect.stringMatching(/fine-tuning API takes no new jobs from 2027-01-06/)]);
});

test('rlaif start checks the endpoints of the worker config file it is given', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retire-'));
  const workerConfig = path.join(dir, 'worker.json');
  fs.writeFileSync(
    workerConfig,
    JSON.stringify({
      endpoints: {
        judge: { baseURL: base, model: 'judge-old' },
        policy: { baseURL: base, model: 'current' },
      },
    }),
  );
  const config = parseRunConfig({
    generate: { endpoint: 'policy' },
    judge: { kind: 'llm', endpoint: 'judge' },
  });
  const used = endpointsUsed(config, (name) =>
    name === 'judge' ? parseEndpointConfig({ baseURL: base, model: 'x' }) : undefined,
  );
  expect(used.map((u) => u.field)).toEqual(['judge.endpoint']);
  expect(await retiringModelWarnings(config, workerConfig, {})).toEqual([
    expect.stringMatching(/^judge\.endpoint: model "judge-old"/),
  ]);
  expect(await retiringModelWarnings(config, undefined, { RLAIF_WORKER_CONFIG: workerConfig })).toHaveLength(
    1,
  );
  // Without a worker config this machine knows no endpoint: nothing to check.
  expect(await retiringModelWarnings(config, undefined, {})).toEqual([]);
});
