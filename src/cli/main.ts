/** The `rlaif` command line. */
import type { WorkflowHandle } from '@temporalio/client';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config/errors';
import { loadRunConfigFile } from '../config/load';
import { checkReferencedFiles } from '../config/referenced-files';
import { connectClient, resolveConnection } from '../connection';
import { progressQuery, type RunFailure } from '../../workflows/definitions';
import type { RunSummary } from '../../workflows/run';
import { storyLines, storyOf } from './failure-story';
import { runDemo } from './demo';
import { queryProgress, showProgressUntil } from './progress';
import { retiringModelWarnings } from './retiring-models';
import {
  defaultWorkflowId,
  problemLines,
  resumeRun,
  runFailureMessage,
  runResult,
  runStatus,
  startedConfig,
  startRun,
} from './runs';
import { exportPreferences, type ExportFormat } from './export';
import { reportRun } from './report';
import { runServeLocal } from '../model-server/cli-entry';
import { openArtifactStore } from '../store/open-store';
import { runKeyFor } from '../store/artifact';
import { defaultStoreRoot } from '../paths';
import { runServer, stopBackgroundServer } from './server';
import { summaryLine, uiLinkText, workflowUiUrl } from './summary';
import { DevServerStartError } from '../temporal-server/dev-server';
import { CodecKeyError } from '../codec/errors';
import { loadKeyring } from '../codec/keys';
import {
  DEFAULT_AUTH_ENV,
  DEFAULT_CODEC_PORT,
  DEFAULT_UI_ORIGIN,
  runCodecServer,
  type CodecServerCliOptions,
} from './codec-server';
import { createWorker, installWorkerLogging } from './worker';
import { freshRunKey } from '../run/fresh';
import { rerunRun } from './rerun';
import { WORKER_CONFIG_ENV, workerCapabilitiesFrom } from '../capabilities/load';
import { describeCapabilities } from '../capabilities/describe';

const connectionOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--address <host:port>', 'Temporal address (default: profile or TEMPORAL_ADDRESS)'))
    .addOption(new Option('--namespace <ns>', 'namespace (default: profile or TEMPORAL_NAMESPACE)'))
    .addOption(new Option('--profile <name>', 'envconfig profile (default: TEMPORAL_PROFILE or "default")'));

type ConnOpts = { address?: string; namespace?: string; profile?: string };
const settingsOf = (o: ConnOpts) => resolveConnection(o);
const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};

/** A TCP port from the command line, or a clear error naming the option's value. */
function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`a port is a whole number from 1 to 65535; got "${value}"`);
  return n;
}

/** The error a closed run's result rejects with (its failure, decoded from history), if any. */
async function closedError(handle: WorkflowHandle): Promise<unknown> {
  return handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
}

/** A run that failed: its message says why and where; no stack trace is shown. */
class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
}

/** How long `status` and a failed `--wait` wait for a worker to answer the progress query. */
const STATUS_QUERY_MS = 5000;

/** The run's failure as its `progress` query tells it (any worker answers, closed runs too). */
async function reportedFailure(handle: WorkflowHandle): Promise<RunFailure | undefined> {
  const progress = await handle.client.connection
    .withDeadline(Date.now() + STATUS_QUERY_MS, () => handle.query(progressQuery))
    .catch(() => undefined);
  return progress?.failure;
}

/** Waits for the run's result, showing progress; a failure becomes a RunFailedError telling its story. */
async function waitForRun(handle: WorkflowHandle, stream?: NodeJS.WriteStream): Promise<RunSummary> {
  return showProgressUntil(handle, runResult(handle), stream ? 1000 : undefined, stream).catch(
    async (err: unknown) => {
      const failed = runFailureMessage(err, handle.workflowId, await reportedFailure(handle));
      throw failed ? new RunFailedError(failed) : err;
    },
  );
}

async function waitAndPrint(handle: WorkflowHandle, o: ConnOpts): Promise<void> {
  const s = settingsOf(o);
  const ui = workflowUiUrl(s.address, s.namespace, handle.workflowId);
  process.stderr.write(`[rlaif] started ${handle.workflowId}; UI: ${uiLinkText(ui)}\n`);
  print(summaryLine(await waitForRun(handle), ui));
}

export function buildProgram(): Command {
  const program = new Command('rlaif')
    .description('Reinforcement Learning from AI Feedback as durable Temporal workflows')
    .showHelpAfterError();

  program
    .command('server')
    .description('run the Temporal dev server (SQLite in .rlaif/, UI on 8233) in the foreground')
    .option('--port <n>', 'gRPC port', (v) => Number(v), 7233)
    .option('--ui-port <n>', 'UI port', (v) => Number(v), 8233)
    .option('--db <file>', 'SQLite file (default .rlaif/temporal.db)')
    .option('--stop', 'stop the server that "rlaif demo" left running in the background')
    .action(async (o: { port: number; uiPort: number; db?: string; stop?: boolean }) => {
      if (o.stop) return void process.stderr.write(`${stopBackgroundServer()}\n`);
      await runServer({ port: o.port, uiPort: o.uiPort, ...(o.db ? { dbFile: o.db } : {}) });
    });

  connectionOptions(
    program
      .command('worker')
      .description('run a worker on task queue "rlaif" (or another, for a separate GPU/CPU/API pool)')
      .option('--task-queue <name>', 'task queue to poll', 'rlaif')
      .option(
        '--store <dir|s3://bucket/prefix>',
        'artifact store shared by all workers (default $RLAIF_STORE or .rlaif/store)',
      )
      .option('--activities-only', 'poll activities only (a pool serving stages routed to this queue)')
      .option('--max-activities <n>', 'activities at once', (v) => Number(v), 4)
      .option(
        '--worker-config <file>',
        `what runs may use here: endpoints, trainers, data roots (default $${WORKER_CONFIG_ENV}; docs/security.md)`,
      )
      .option(
        '--trust-run-configs',
        'let run configs declare endpoints, commands and paths inline (only where nobody else can start runs)',
      )
      .option('--log-level <level>', 'worker log level (TRACE, DEBUG, INFO, WARN, ERROR)', 'INFO')
      .option('--bundle-at-start', "bundle the workflows now instead of using the build's bundle"),
  ).action(
    async (
      o: ConnOpts & {
        taskQueue: string;
        store?: string;
        activitiesOnly?: boolean;
        maxActivities: number;
        workerConfig?: string;
        trustRunConfigs?: boolean;
        logLevel: string;
        bundleAtStart?: boolean;
      },
    ) => {
      installWorkerLogging(o.logLevel.toUpperCase() as 'INFO');
      const capabilities = workerCapabilitiesFrom(o.workerConfig, o.trustRunConfigs === true);
      const worker = await createWorker(settingsOf(o), {
        taskQueue: o.taskQueue,
        workflows: !o.activitiesOnly,
        maxConcurrentActivities: o.maxActivities,
        plugin: { ...(o.store ? { storeRoot: o.store } : {}), capabilities },
        prebuiltBundle: o.bundleAtStart !== true,
      });
      process.stderr.write(`[rlaif] ${describeCapabilities(capabilities)}\n`);
      const codecKeys = loadKeyring();
      process.stderr.write(
        `[rlaif] worker polling task queue "${o.taskQueue}" on ${settingsOf(o).address}` +
          `${codecKeys ? `; payloads encrypted with key id "${codecKeys.current.id}"` : ''}\n`,
      );
      await worker.run();
    },
  );

  connectionOptions(
    program
      .command('start')
      .description('start a run from a config file')
      .requiredOption('--config <file>', 'run config (JSON)')
      .option('--id <workflowId>', 'workflow id (default: rlaif-<name>-<time>)')
      .option('--task-queue <name>', 'workflow task queue', 'rlaif')
      .option(
        '--fresh',
        'use a new artifact namespace (runKey), e.g. to reuse a workflow id with another config',
      )
      .option('--wait', 'wait for the run, show progress, print the summary line')
      .option(
        '--worker-config <file>',
        "the workers' config file, to check the models the run uses (default: $RLAIF_WORKER_CONFIG)",
      ),
  ).action(
    async (
      o: ConnOpts & {
        config: string;
        id?: string;
        taskQueue: string;
        fresh?: boolean;
        wait?: boolean;
        workerConfig?: string;
      },
    ) => {
      const loaded = loadRunConfigFile(o.config);
      const config = o.fresh ? { ...loaded, runKey: freshRunKey(o.id ?? defaultWorkflowId(loaded)) } : loaded;
      // Files the config names fail here when this machine has them; the worker checks them again.
      const { notes } = await checkReferencedFiles(config, { source: o.config, missing: 'note' });
      for (const note of notes) process.stderr.write(`[rlaif] note: ${note}\n`);
      for (const warning of await retiringModelWarnings(config, o.workerConfig))
        process.stderr.write(`[rlaif] warning: ${warning}\n`);
      const client = await connectClient(settingsOf(o));
      try {
        const handle = await startRun(client, config, {
          workflowId: o.id ?? defaultWorkflowId(loaded),
          taskQueue: o.taskQueue,
        });
        if (o.wait) await waitAndPrint(handle, o);
        else print({ workflowId: handle.workflowId });
      } finally {
        await client.connection.close();
      }
    },
  );

  connectionOptions(
    program
      .command('status <workflowId>')
      .description("show a run's progress")
      .option('--json', 'print JSON'),
  ).action(async (id: string, o: ConnOpts & { json?: boolean }) => {
    const client = await connectClient(settingsOf(o));
    try {
      const handle = client.workflow.getHandle(id);
      // The status and what keeps a running run stuck (a codec key, a refused input) come first:
      // they need no payload this client's key might refuse.
      const { status, problems } = await runStatus(client.workflow, id);
      // A run whose workflow task fails cannot answer (the query would wait 30 s for nothing).
      const answers = !problems.some((p) => p.kind === 'workflow task' && p.workflowId === id);
      // The run's progress, with its running round's stages from the round itself. Without a
      // worker a query waits for one; a closed run's story is in its history anyway.
      const progress = answers
        ? await client.connection
            .withDeadline(Date.now() + STATUS_QUERY_MS, () => queryProgress(handle))
            .catch(() => undefined)
        : undefined;
      // A closed run's failure is in its history: readable without a worker.
      const closed = status !== 'RUNNING' && status !== 'COMPLETED';
      const story = closed ? storyOf(progress?.failure, await closedError(handle)) : undefined;
      if (o.json)
        return print({ workflowId: id, status, progress, problems, ...(story ? { failure: story } : {}) });
      process.stdout.write(`${id}: ${status}\n`);
      for (const line of problems.flatMap((p) => problemLines(p))) process.stdout.write(`  ${line}\n`);
      if (story) for (const line of storyLines(story, id)) process.stdout.write(`  ${line}\n`);
      if (progress) {
        const finished = status !== 'RUNNING' || progress.stage === 'done';
        process.stdout.write(
          finished
            ? `  ${progress.history.length} of ${progress.rounds} rounds completed (run status: ${progress.status})\n`
            : `  round ${progress.round}/${progress.rounds}, stage ${progress.stage}, batches ${progress.batchesDone}/${progress.batchesTotal}${progress.paused ? ', paused' : ''}\n`,
        );
        for (const h of progress.history) {
          const m = h.metrics;
          process.stdout.write(
            `  round ${h.round}: win rate ${m.winRateVsInitial?.toFixed(3) ?? '-'}${m.goldWinRate === undefined ? '' : `, gold win rate ${m.goldWinRate.toFixed(3)}, judge–gold agreement ${m.judgeGoldAgreement?.toFixed(3) ?? '-'}`}, reward-model agreement ${m.rewardModelAgreement?.toFixed(3) ?? '-'}, KL ${m.klToInitial?.toFixed(3) ?? '-'}${judgeAnswers(m)}\n`,
          );
        }
      }
    } finally {
      await client.connection.close();
    }
  });

  connectionOptions(
    program
      .command('watch <workflowId>')
      .description("follow a run's progress: a bar per stage (batches, rate, ETA) and the latest metrics")
      .option('--interval <ms>', 'poll interval', (v) => Number(v), 1000),
  ).action(async (id: string, o: ConnOpts & { interval: number }) => {
    const client = await connectClient(settingsOf(o));
    try {
      const handle = client.workflow.getHandle(id);
      const result = await waitForRun(handle, process.stdout);
      process.stdout.write(`${id}: ${result.status}, ${result.rounds} rounds\n`);
    } finally {
      await client.connection.close();
    }
  });

  connectionOptions(
    program
      .command('resume <workflowId>')
      .description(
        'continue a failed, terminated or cancelled run from its last checkpoint, as a new execution',
      )
      .option('--task-queue <name>', 'workflow task queue', 'rlaif')
      .option('--wait', 'wait for the run and print the summary line'),
  ).action(async (id: string, o: ConnOpts & { taskQueue: string; wait?: boolean }) => {
    const client = await connectClient(settingsOf(o));
    try {
      const handle = await resumeRun(client, id, { taskQueue: o.taskQueue });
      if (o.wait) await waitAndPrint(handle, o);
      else print({ workflowId: handle.workflowId, resumedFrom: id });
    } finally {
      await client.connection.close();
    }
  });

  connectionOptions(
    program
      .command('rerun <workflowId>')
      .description(
        'recompute a finished or failed run from a round on, with the current worker code, in a new namespace',
      )
      .requiredOption(
        '--from-round <n>',
        'the first round to compute again (earlier rounds are reused)',
        (v) => Number(v),
      )
      .option('--id <workflowId>', 'workflow id of the rerun (default: <id>-rerun-r<N>-<time>)')
      .option('--task-queue <name>', 'workflow task queue', 'rlaif')
      .option('--wait', 'wait for the run and print the summary line'),
  ).action(
    async (
      id: string,
      o: ConnOpts & { fromRound: number; id?: string; taskQueue: string; wait?: boolean },
    ) => {
      const client = await connectClient(settingsOf(o));
      try {
        const handle = await rerunRun(client, id, o.fromRound, {
          taskQueue: o.taskQueue,
          ...(o.id ? { newWorkflowId: o.id } : {}),
        });
        if (o.wait) await waitAndPrint(handle, o);
        else print({ workflowId: handle.workflowId, rerunOf: id, fromRound: o.fromRound });
      } finally {
        await client.connection.close();
      }
    },
  );

  program
    .command('serve-local')
    .description('serve the embedded policy, judge and an embedding model over the OpenAI HTTP protocol')
    .option('--port <n>', 'port (0: a free one)', (v) => Number(v), 8000)
    .option('--host <ip>', 'address to bind', '127.0.0.1')
    .option(
      '--store <dir|s3://bucket/prefix>',
      'serve run policies by name (model "store:<key>") from this artifact store (default $RLAIF_STORE or .rlaif/store)',
    )
    .option(
      '--jobs-port <n>',
      'also serve the Files, Batch and fine-tuning APIs here; DPO jobs train the local policy for real',
      (v) => Number(v),
    )
    .option('--api-key-env <VAR>', 'require "Authorization: Bearer <key>", the key read from this variable')
    .option(
      '--max-work-units <n>',
      'most prompts × n × tokens × (1 + logprobs) per request (default 524288)',
      (v) => Number(v),
    )
    .option('--max-concurrent <n>', 'requests computing at once (default 4)', (v) => Number(v))
    .option('--max-queued <n>', 'requests waiting for a slot; beyond them 429 (default 64)', (v) => Number(v))
    .action(
      async (o: {
        port: number;
        host: string;
        store?: string;
        jobsPort?: number;
        apiKeyEnv?: string;
        maxWorkUnits?: number;
        maxConcurrent?: number;
        maxQueued?: number;
      }) => {
        await runServeLocal({
          port: o.port,
          host: o.host,
          storeRoot: o.store ?? defaultStoreRoot(),
          ...(o.jobsPort !== undefined ? { jobsPort: o.jobsPort } : {}),
          ...(o.apiKeyEnv !== undefined ? { apiKeyEnv: o.apiKeyEnv } : {}),
          limits: {
            ...(o.maxWorkUnits !== undefined ? { maxWorkUnits: o.maxWorkUnits } : {}),
            ...(o.maxConcurrent !== undefined ? { maxConcurrent: o.maxConcurrent } : {}),
            ...(o.maxQueued !== undefined ? { maxQueued: o.maxQueued } : {}),
          },
        });
      },
    );

  connectionOptions(
    program
      .command('export <workflowId>')
      .description("write a run's judged pairs as JSONL for training elsewhere")
      .addOption(
        new Option('--format <format>', 'TRL preference rows or OpenAI DPO fine-tuning rows')
          .choices(['trl', 'openai-dpo'])
          .makeOptionMandatory(),
      )
      .requiredOption('--out <file>', 'output file')
      .option('--round <n>', 'only this round', (v) => Number(v))
      .option('--store <dir|s3://bucket/prefix>', 'artifact store (default $RLAIF_STORE or .rlaif/store)'),
  ).action(
    async (
      id: string,
      o: ConnOpts & { format: ExportFormat; out: string; round?: number; store?: string },
    ) => {
      const client = await connectClient(settingsOf(o));
      try {
        const config = await startedConfig(client, id);
        const store = openArtifactStore(o.store);
        const report = await exportPreferences(store, config.runKey ?? runKeyFor(id), config, {
          format: o.format,
          out: o.out,
          ...(o.round !== undefined ? { round: o.round } : {}),
        });
        print(report);
      } finally {
        await client.connection.close();
      }
    },
  );

  program
    .command('codec-server')
    .description('serve /encode and /decode for the Temporal UI and CLI with the key in RLAIF_CODEC_KEY')
    .option('--port <n>', 'port (0: a free one)', (v) => Number(v), DEFAULT_CODEC_PORT)
    .option('--host <ip>', 'address to bind', '127.0.0.1')
    .option('--origin <urls>', 'browser origins allowed by CORS, comma-separated', DEFAULT_UI_ORIGIN)
    .option(
      '--auth-env <var>',
      'environment variable holding the bearer token callers must send',
      DEFAULT_AUTH_ENV,
    )
    .option('--no-auth', 'no token check (loopback only; the local UI sends no token)')
    .action(async (o: CodecServerCliOptions) => {
      await runCodecServer(o);
    });

  connectionOptions(
    program
      .command('report <workflowId>')
      .description(
        "write a running or finished run's figures per round: index.html, a PNG per chart, CSV tables",
      )
      .requiredOption('--out <dir>', 'output folder (created if missing)')
      .option('--query-timeout <ms>', 'wait this long for the progress query', (v) => Number(v), 10000),
  ).action(async (id: string, o: ConnOpts & { out: string; queryTimeout: number }) => {
    const client = await connectClient(settingsOf(o));
    try {
      const s = settingsOf(o);
      print(
        await reportRun(client, id, {
          out: o.out,
          uiUrl: workflowUiUrl(s.address, s.namespace, id),
          queryTimeoutMs: o.queryTimeout,
        }),
      );
    } finally {
      await client.connection.close();
    }
  });

  program
    .command('demo')
    .description('run the offline demo end to end: server (if needed), worker, a 3-round run, summary')
    .option('--config <file>', 'config to run instead of examples/demo.json')
    .option('--id <workflowId>', 'workflow id')
    .option('--worker-config <file>', "what the demo's worker offers runs (e.g. examples/workers/local.json)")
    .option('--trust-run-configs', 'let the run config declare endpoints, commands and paths inline')
    .option(
      '--port <n>',
      "the Temporal server's gRPC port on this machine, used or started (default: TEMPORAL_ADDRESS or 7233)",
      portNumber,
    )
    .option('--ui-port <n>', 'UI port of a dev server the demo starts (default 8233)', portNumber)
    .action(
      async (o: {
        config?: string;
        id?: string;
        workerConfig?: string;
        trustRunConfigs?: boolean;
        port?: number;
        uiPort?: number;
      }) => {
        print(
          await runDemo({
            ...(o.config ? { configFile: o.config } : {}),
            ...(o.id ? { workflowId: o.id } : {}),
            ...(o.workerConfig ? { workerConfigFile: o.workerConfig } : {}),
            trustRunConfigs: o.trustRunConfigs === true,
            server: {
              ...(o.port !== undefined ? { port: o.port } : {}),
              ...(o.uiPort !== undefined ? { uiPort: o.uiPort } : {}),
            },
          }),
        );
      },
    );

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
    process.exitCode ??= 0;
  } catch (err) {
    const plain =
      err instanceof ConfigError || err instanceof CodecKeyError || err instanceof DevServerStartError;
    const message =
      plain || err instanceof RunFailedError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err);
    process.stderr.write(`rlaif: ${message}\n`);
    process.exitCode = plain ? 2 : 1;
  }
}

/** How an LLM judge's verdicts of a round were read, for `rlaif status` (empty for the embedded judge). */
function judgeAnswers(m: Record<string, number>): string {
  if (m.judgeFromLogprobs === undefined || m.judgeFromText === undefined) return '';
  return `, judge answers ${Math.round(m.judgeFromLogprobs * 100)}% from logprobs / ${Math.round(m.judgeFromText * 100)}% parsed from text`;
}
