/**
 * The files a run config names (prompt files, human labels, a user's ONNX reward model and its
 * tokenizer, an external trainer's command), checked with the same readers the activities use,
 * so that a bad file fails before any work starts, naming the config field and the file's line.
 * The CLI checks what its machine can see; the run's first activity checks again on the worker,
 * which may be another machine. Not workflow-safe: it reads files.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFileRef } from '../capabilities/file-ref';
import { readPromptFile } from '../data/prompt-file';
import { readHumanPairs } from '../judges/human-agreement';
import { findTrainerCommand } from '../policy/external-trainer';
import { checkUserOnnxModelFile, HfTokenizer } from '../reward/user-onnx-reward';
import { ConfigError } from './errors';
import type { RunConfig, StageSpec } from './schema';
import { expandStages } from './stages';
import { taskQueueOf } from './stage-types';

/** One file or command a config names. */
export interface FileUse {
  /** The config field that names it, e.g. "data.trainFile". */
  field: string;
  /** The path (or command name) as written in the config. */
  path: string;
  /** The stages whose activities read it; empty when the prepare activity does. */
  readBy: StageSpec[];
  /** Whether it is present on this machine (a command: found where spawn would look). */
  present(locate: FileLocator): Promise<boolean>;
  /** Reads and validates it; throws an error whose message names the file and line. */
  check(locate: FileLocator): Promise<void>;
}

/**
 * Where a file a config names is on this machine, or undefined when this machine cannot say (a
 * data root that only the worker declares); throws when the name is not acceptable here.
 */
export type FileLocator = (ref: string, field: string) => Promise<string | undefined>;

/** The CLI's locator: plain paths from the current folder; data roots are the worker's business. */
export const locateLocally: FileLocator = async (ref) => {
  const { root, path } = parseFileRef(ref);
  return root === undefined ? resolve(path) : undefined;
};

/** The program and folder of the trainer a config names, where this machine knows them. */
export type TrainerLocator = (
  trainer: NonNullable<RunConfig['policy']['trainer']>,
) => { command: readonly string[]; cwd?: string } | undefined;

/** The CLI's view: an inline command is known; a named trainer is the worker's. */
const inlineTrainer: TrainerLocator = (t) => (t.command ? { command: t.command } : undefined);

/** Every file and command `config` names that some stage of the run reads. */
export function referencedFiles(config: RunConfig, locateTrainer: TrainerLocator = inlineTrainer): FileUse[] {
  const stages = expandStages(config);
  const fileAt = (
    field: string,
    path: string,
    readBy: StageSpec[],
    check: (file: string) => Promise<void>,
  ): FileUse => ({
    field,
    path,
    readBy,
    present: async (locate) => {
      const file = await locate(path, field);
      return file !== undefined && existsSync(file);
    },
    check: async (locate) => check((await locate(path, field)) ?? path),
  });
  const uses: FileUse[] = [];
  const data = config.data;
  if (data.kind === 'jsonl') {
    for (const field of ['trainFile', 'evalFile'] as const) {
      uses.push(
        fileAt(`data.${field}`, data[field], [], async (file) => {
          await readPromptFile(file, data);
        }),
      );
    }
  }
  const evaluators = stages.filter((s) => s.type === 'evaluate');
  const labels = config.judge.humanLabels;
  if (labels && evaluators.length > 0) {
    uses.push(
      fileAt('judge.humanLabels', labels, evaluators, async (file) => {
        await readHumanPairs(file);
      }),
    );
  }
  const rm = config.rewardModel;
  const scorers = stages.filter(
    (s) =>
      s.type === 'train-reward' ||
      (s.type === 'optimize-policy' && (s.method ?? 'reward-model') === 'reward-model'),
  );
  if (rm.kind === 'onnx' && rm.modelFile && rm.tokenizerFile && scorers.length > 0) {
    const { modelFile, tokenizerFile } = rm;
    uses.push(
      fileAt('rewardModel.modelFile', modelFile, scorers, (file) =>
        checkUserOnnxModelFile({ modelPath: file }),
      ),
      fileAt('rewardModel.tokenizerFile', tokenizerFile, scorers, async (file) => {
        await HfTokenizer.load(file);
      }),
    );
  }
  const trainer = config.policy.trainer;
  const trainers = stages.filter((s) => s.type === 'optimize-policy' && s.method === 'external');
  if (trainer && trainers.length > 0) {
    // One PATH lookup answers both questions.
    let lookup: ReturnType<typeof findTrainerCommand> | undefined;
    const located = locateTrainer(trainer);
    const find = () => (lookup ??= findTrainerCommand(located?.command ?? [], located?.cwd));
    uses.push({
      field: trainer.command ? 'policy.trainer.command[0]' : 'policy.trainer.name',
      path: trainer.command?.[0] ?? trainer.name ?? '',
      readBy: trainers,
      present: async () => {
        if (!located) return false;
        const found = await find();
        return found.found || found.reason === 'not-executable';
      },
      check: async () => {
        const found = await find();
        if (!found.found) throw new Error(found.message);
      },
    });
  }
  return uses;
}

/**
 * Whether a use is read by a stage routed to another task queue, whose workers (other machines,
 * perhaps) hold the file: a worker of the workflow's queue leaves those to them.
 */
export function readOnAnotherQueue(config: RunConfig): (use: Pick<FileUse, 'readBy'>) => boolean {
  return (use) => use.readBy.some((s) => taskQueueOf(config, s) !== undefined);
}

/** How `checkReferencedFiles` treats what this machine does not have, and what it checks. */
export interface ReferencedFileOptions {
  /** Names where the config came from in the error ("config.json", "workflow input"). */
  source: string;
  /**
   * 'note': a file this machine does not have is returned as a note, because the worker that
   * reads it may be another machine (the CLI); 'fail': it is an error (the worker itself).
   */
  missing: 'note' | 'fail';
  /** Leaves out the uses this returns true for. */
  skip?: (use: FileUse) => boolean;
  /** Where files are on this machine (default: plain paths from the current folder). */
  locate?: FileLocator;
  /** Which command a trainer name stands for here (default: inline commands only). */
  locateTrainer?: TrainerLocator;
}

/** Why the CLI could not check a use: the worker's own name for it, or a path it lacks. */
function notOnThisMachine(use: FileUse): string {
  if (use.field === 'policy.trainer.name') return `trainer "${use.path}" is declared on the worker`;
  const root = parseFileRef(use.path).root;
  if (root !== undefined) return `${use.path} is in the worker's data root "${root}"`;
  const where = use.field.startsWith('policy.trainer') ? 'command' : 'file';
  return `${where} ${use.path} is not on this machine`;
}

/**
 * Checks every file the config names; throws one ConfigError listing each bad one as
 * "field: problem" (the problem names the file and line). Returns notes on files not checked.
 */
export async function checkReferencedFiles(
  config: RunConfig,
  options: ReferencedFileOptions,
): Promise<{ notes: string[] }> {
  const problems: string[] = [];
  const notes: string[] = [];
  const locate = options.locate ?? locateLocally;
  for (const use of referencedFiles(config, options.locateTrainer)) {
    if (options.skip?.(use)) continue;
    if (!(await use.present(locate))) {
      if (options.missing === 'note') {
        notes.push(`${use.field}: ${notOnThisMachine(use)}; the worker checks it`);
        continue;
      }
    }
    try {
      await use.check(locate);
    } catch (err) {
      const e = err as Error & { problems?: readonly string[] };
      // A prompt file lists each bad line as "file:line: ..."; show one problem per line.
      const lines =
        e.name === 'InvalidInputError' && e.problems && e.problems.length > 0 ? e.problems : [e.message];
      problems.push(...lines.map((line) => `${use.field}: ${line.replace(/\n/g, '\n    ')}`));
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Bad input named by ${options.source}:\n  - ${problems.join('\n  - ')}`, problems);
  }
  return { notes };
}
