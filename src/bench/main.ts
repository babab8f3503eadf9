/**
 * `npm run bench`: figures from one run on this machine, printed as a table, the last line one
 * JSON object. Comparisons are ratios measured side by side in the same run.
 *
 * - Durability tax: the same loop (same config, same seed, same work) as a plain in-process
 *   script and as a Temporal run with the plugin; the ratio of wall times, at the demo size and at
 *   ten times the prompts. The Temporal figure counts from workflow start to result, with the
 *   worker already running (its one-off bundling is not part of a run).
 * - History growth: events and bytes of history per round at 100 and at 10,000 prompts.
 * - Local model speed: where a demo round's time goes, stage by stage (in-process).
 */
import { DEMO_DEFAULTS, runInProcess, type InProcessOptions } from '../loop/in-process';
import type { RunConfigInput } from '../config/schema';
import { startBenchServer } from './temporal-run';

function configFor(opts: InProcessOptions): RunConfigInput {
  return {
    name: 'bench',
    seed: opts.seed,
    rounds: opts.rounds,
    preset: opts.preset,
    data: { kind: 'demo', ...opts.data },
  };
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main(): Promise<void> {
  const rows: Array<[string, string, string]> = [];
  const out = (label: string, value: string, how: string) => {
    rows.push([label, value, how]);
    process.stderr.write(`[bench] ${label}: ${value}\n`);
  };
  const bench = await startBenchServer();
  const result: Record<string, unknown> = {};
  try {
    // Warm up: the first run pays for module loading and ONNX runtime start in both paths.
    await runInProcess({
      ...DEMO_DEFAULTS,
      rounds: 1,
      data: { ...DEMO_DEFAULTS.data, trainPrompts: 64, evalPrompts: 64 },
    });
    await bench.timedRun('warmup', {
      ...configFor(DEMO_DEFAULTS),
      rounds: 1,
      data: { kind: 'demo', trainPrompts: 64, evalPrompts: 64, sftExamples: 2000 },
    });

    for (const [label, scale] of [
      ['demo', 1],
      ['10x', 10],
    ] as const) {
      const opts = {
        ...DEMO_DEFAULTS,
        data: { ...DEMO_DEFAULTS.data, trainPrompts: DEMO_DEFAULTS.data.trainPrompts * scale },
      };
      const t0 = performance.now();
      const plain = await runInProcess(opts);
      const plainSeconds = (performance.now() - t0) / 1000;
      const temporal = await bench.timedRun(`tax-${label}`, configFor(opts));
      const tax = temporal.seconds / plainSeconds;
      const same =
        Math.abs(
          (temporal.summary.winRateVsInitial ?? NaN) - (plain.rounds.at(-1)?.evaluation.winRate ?? NaN),
        ) < 1e-9;
      out(
        `durability tax, ${label} (${opts.data.trainPrompts} prompts, ${opts.rounds} rounds)`,
        `${fmt(tax, 3)} (plain ${fmt(plainSeconds)} s, Temporal ${fmt(temporal.seconds)} s, same figures: ${same})`,
        'runInProcess vs rlaifRun on a dev server, same config and seed',
      );
      result[label === 'demo' ? 'durabilityTaxDemo' : 'durabilityTax10x'] = Number(tax.toFixed(4));
      if (label === 'demo') {
        const r = plain.rounds.at(-1)!;
        for (const [stage, s] of Object.entries(r.seconds)) {
          out(`demo round ${r.round} time in ${stage}`, `${fmt(s)} s`, 'in-process, last round');
        }
      }
    }

    for (const prompts of [100, 10_000]) {
      const id = `history-${prompts}`;
      await bench.timedRun(id, {
        ...configFor(DEMO_DEFAULTS),
        rounds: 2,
        data: { kind: 'demo', trainPrompts: prompts, evalPrompts: 256, sftExamples: 2000 },
      });
      const round = await bench.historySize(`${id}-round-2`);
      const parent = await bench.historySize(id);
      const perRound = round.bytes + parent.bytes / 2;
      out(
        `history per round, ${prompts} prompts`,
        `${round.events} events, ${(round.bytes / 1024).toFixed(1)} KiB round + ${(parent.bytes / 2048).toFixed(1)} KiB of the run's`,
        'fetchHistory of round 2 and of the run, JSON bytes',
      );
      result[prompts === 100 ? 'historyBytesPerRound100' : 'historyBytesPerRound10k'] = Math.round(perRound);
    }
  } finally {
    await bench.close();
  }
  result.judgeRateRatio = null; // measured by the endpoint benchmark (not yet in this table)
  result.redoneItemsAfterKill = null; // see tests/workflows/durability.test.ts; not yet a bench figure

  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`\n${'figure'.padEnd(width)} | value | how\n`);
  for (const [label, value, how] of rows)
    process.stdout.write(`${label.padEnd(width)} | ${value} | ${how}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
