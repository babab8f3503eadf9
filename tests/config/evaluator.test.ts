/**
 * `evaluate.judge`: an evaluator separate from the training judge. The config names a worker
 * endpoint; the schema bounds it, the parser refuses the training judge's own endpoint, and the
 * worker refuses a name it does not offer.
 */
import { capabilityProblems } from '../../src/capabilities/check';
import { WorkerCapabilities } from '../../src/capabilities/worker-capabilities';
import { parseRunConfig } from '../../src/config/parse';

const caps = new WorkerCapabilities(
  {
    endpoints: {
      judge: { baseURL: 'http://127.0.0.1:9/v1', model: 'small-judge' },
      evaluator: { baseURL: 'http://127.0.0.1:9/v1', model: 'large-judge' },
    },
  },
  'the worker config file /etc/rlaif/worker.json',
);

test('an evaluator is named by endpoint, with judge options of its own', () => {
  const c = parseRunConfig({
    judge: { kind: 'llm', endpoint: 'judge' },
    evaluate: { judge: { endpoint: 'evaluator', llm: { preamble: 'Which answer is better?' } } },
  });
  expect(c.evaluate.judge?.endpoint).toBe('evaluator');
  // Defaults of the judge options are filled in: both orders, as for every judge.
  expect(c.evaluate.judge?.llm?.swapOrder).toBe(true);
  expect(capabilityProblems(c, caps, () => false)).toEqual([]);
  expect(parseRunConfig({}).evaluate.judge).toBeUndefined();
});

test("the training judge's endpoint is refused as the evaluator, naming the field", () => {
  expect(() =>
    parseRunConfig({ judge: { kind: 'llm', endpoint: 'judge' }, evaluate: { judge: { endpoint: 'judge' } } }),
  ).toThrow(/evaluate\.judge\.endpoint: "judge" is the training judge's endpoint/);
});

test('bad evaluator fields name the field', () => {
  expect(() => parseRunConfig({ evaluate: { judge: {} } })).toThrow(/evaluate\.judge\.endpoint/);
  expect(() => parseRunConfig({ evaluate: { judge: { endpoint: 'e', url: 'http://x' } } })).toThrow(/url/);
  // Template files are the training judge's; an evaluator takes its texts inline.
  expect(() =>
    parseRunConfig({
      evaluate: { judge: { endpoint: 'e', llm: { templates: { pairwise: 'data:t.txt' } } } },
    }),
  ).toThrow(/templates/);
});

test('an evaluator endpoint the worker does not offer is refused by the worker', () => {
  const c = parseRunConfig({ evaluate: { judge: { endpoint: 'gpt-judge' } } });
  const problems = capabilityProblems(c, caps, () => false);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^evaluate\.judge\.endpoint: this worker offers no endpoint named "gpt-judge"/);
  // Another worker pool that runs the evaluate stage checks it there.
  expect(capabilityProblems(c, caps, () => true)).toEqual([]);
});
