/**
 * A stage type added as one entry (tests/stages/filter-pairs.ts) runs in a config both ways — in
 * process and as a workflow on a real dev server — with the same figures; a config naming a type
 * nobody registered fails naming the field and the registered types.
 */
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { startRun } from '../../src/cli/runs';
import { ConfigError } from '../../src/config/errors';
import { parseRunConfig } from '../../src/config/parse';
import type { RunConfig } from '../../src/config/schema';
import { runLocalLoop } from '../../src/loop/local-loop';
import { RlaifPlugin } from '../../src/plugin';
import type { RunSummary } from '../../workflows/run';
import { smallConfig, startRunEnv, type RunEnv } from '../helpers/run-env';
import { filterPairsActivity } from './filter-pairs';

const STAGES = [
  { id: 'generate', type: 'generate' },
  { id: 'judge', type: 'judge', after: ['generate'] },
  { id: 'filter', type: 'filter-pairs', after: ['judge'] },
  { id: 'train-reward', type: 'train-reward', after: ['filter'] },
  { id: 'optimize-policy', type: 'optimize-policy', after: ['train-reward'] },
  { id: 'evaluate', type: 'evaluate', after: ['optimize-policy'] },
];

const config = (): RunConfig => parseRunConfig(smallConfig({ stages: STAGES }));

test('a config naming an unregistered stage type fails, naming the field and the registered types', () => {
  const stages = STAGES.map((s) => (s.id === 'filter' ? { ...s, type: 'filter-pears' } : s));
  let message = '';
  try {
    parseRunConfig(smallConfig({ stages }));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    message = (err as Error).message;
  }
  expect(message).toContain('stages[2].type: no stage type "filter-pears" is registered');
  expect(message).toMatch(
    /registered: generate, judge, score, train-reward, optimize-policy, evaluate, custom, filter-pairs\)/,
  );
});

test('the registered type needs what its entry says it needs', () => {
  const stages = [
    { id: 'generate', type: 'generate' },
    { id: 'filter', type: 'filter-pairs', after: ['generate'] },
  ];
  expect(() => parseRunConfig(smallConfig({ stages }))).toThrow(
    'stages: a filter-pairs stage needs a judge stage (it filters judged pairs)',
  );
});

describe('a config with the registered stage type', () => {
  let env: RunEnv;
  let stopWorker: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    env = await startRunEnv();
    const connection = await NativeConnection.connect({ address: env.server.address });
    const worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue: env.taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('./registry-workflows'),
        logger: {
          log: () => undefined,
          trace: () => undefined,
          debug: () => undefined,
          info: () => undefined,
          warn: () => undefined,
          error: () => undefined,
        },
      }),
      plugins: [
        new RlaifPlugin({
          storeRoot: env.storeRoot,
          registerWorkflows: false,
          stages: { 'test.filterPairs': filterPairsActivity(env.store) },
        }),
      ],
      shutdownGraceTime: '2 seconds',
    });
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    };
  });
  afterAll(async () => {
    await stopWorker?.();
    await env?.stop();
  });

  test('runs in process and as a workflow with the same figures', async () => {
    const local = await runLocalLoop(
      config(),
      { stages: (store) => ({ 'test.filterPairs': filterPairsActivity(store) }) },
      (run) => Promise.resolve(run.rounds.map((r) => r.metrics)),
    );
    const handle = await startRun(env.client, config(), {
      workflowId: 'registry-1',
      taskQueue: env.taskQueue,
    });
    const summary = (await handle.result()) as RunSummary;
    const remote = summary.history.map((h) => h.metrics);

    expect(remote).toHaveLength(2);
    expect(local).toHaveLength(2);
    for (const [i, metrics] of remote.entries()) {
      const mine = local[i] as Record<string, number>;
      expect(Object.keys(mine).sort()).toEqual(Object.keys(metrics).sort());
      for (const [key, value] of Object.entries(metrics)) {
        if (Math.abs((mine[key] as number) - value) > 1e-9)
          throw new Error(`round ${i + 1} ${key}: in process ${mine[key]}, workflow ${value}`);
      }
      // The filter's counts add up over its batches; the reward model trained on the kept pairs.
      expect((metrics.pairsKept as number) + (metrics.pairsDropped as number)).toBe(metrics.pairs);
      expect(metrics.pairsDropped).toBeGreaterThan(0);
      // A rate is averaged over the batches (weighted by their rows), not summed.
      expect(metrics.keptShare).toBeGreaterThan(0.5);
      expect(metrics.keptShare).toBeLessThanOrEqual(1);
    }
    const poolRound2 = (remote[1]?.rewardModelTrainPairs ?? 0) + (remote[1]?.rewardModelHeldOutPairs ?? 0);
    expect(poolRound2).toBe((remote[0]?.pairsKept ?? 0) + (remote[1]?.pairsKept ?? 0));

    // As the entry says: one filter batch per judge batch, fanned out like the built-in stages.
    const history = await env.client.workflow.getHandle('registry-1-round-1').fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(scheduled.filter((n) => n === 'test.filterPairs')).toHaveLength(4);
    expect(scheduled.filter((n) => n === 'rlaif.judge')).toHaveLength(4);
  });
});
