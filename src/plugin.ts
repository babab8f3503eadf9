/**
 * The worker plugin. Add it to a Worker (`Worker.create({ plugins: [new RlaifPlugin()] })`)
 * to register the RLAIF activities under `rlaif.*` names, any custom stages, and the data
 * converter. A client needs only the converter: `RlaifClientPlugin` (src/client-plugin.ts). Workflows are not shipped by a plugin
 * in TypeScript: re-export them from `temporal-rlaif/workflows` in your workflows file, or use
 * `workflowsPath` below.
 */
import * as path from 'node:path';
import { SimplePlugin } from '@temporalio/plugin';
import { createActivities } from '../activities';
import { configLoader } from '../activities/config-ref';
import { classified } from '../activities/context';
import { WorkerCapabilities } from './capabilities/worker-capabilities';
import type { WorkerCapabilitiesInput } from './capabilities/schema';
import { lazyStore, rlaifDataConverter, type RlaifClientPluginOptions } from './client-plugin';
import type { StageInput, StageOutput } from './contracts';
import type { ArtifactStore } from './store/store';

/** A user's own stage: an activity that reads the round's board and adds to it. */
export type CustomStage = (input: StageInput) => Promise<StageOutput>;

/** The client plugin's options (store, converter, offloading) and the worker's own. */
export interface RlaifPluginOptions extends RlaifClientPluginOptions {
  /**
   * What runs may use on this worker: endpoints (with the variables holding their keys), trainer
   * commands and data roots. A run config only names them; see docs/security.md. Default: none,
   * which runs the embedded demo.
   */
  readonly capabilities?: WorkerCapabilities | WorkerCapabilitiesInput;
  /** Custom stages by activity name, to be named in a config's `stages[].activity`. */
  readonly stages?: Readonly<Record<string, CustomStage>>;
  /** Register this package's workflows on the worker (default true). */
  readonly registerWorkflows?: boolean;
}

/** The path of the workflow-safe entry point that a worker bundles. */
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.js');

/**
 * The worker plugin. Its store and activities are built when a worker is configured with it: a
 * client given it gets only the data converter (as from `RlaifClientPlugin`).
 */
export class RlaifPlugin extends SimplePlugin {
  private readonly openStore: () => ArtifactStore;

  constructor(options: RlaifPluginOptions = {}) {
    for (const name of Object.keys(options.stages ?? {})) {
      if (name.startsWith('rlaif.')) throw new Error(`custom stage "${name}": the rlaif. prefix is reserved`);
    }
    const openStore = lazyStore(options);
    const dataConverter = rlaifDataConverter(options, openStore);
    const capabilities =
      options.capabilities instanceof WorkerCapabilities
        ? options.capabilities
        : new WorkerCapabilities(options.capabilities ?? {});
    let activities: object | undefined;
    super({
      name: 'temporal-rlaif',
      activities: (existing) => {
        activities ??= workerActivities(openStore(), capabilities, options.stages ?? {});
        return { ...existing, ...activities };
      },
      ...(dataConverter ? { dataConverter } : {}),
      ...(options.registerWorkflows === false ? {} : { workflowsPath: WORKFLOWS_PATH }),
    });
    this.openStore = openStore;
  }

  /** The artifact store the activities use (opened on first use). */
  get store(): ArtifactStore {
    return this.openStore();
  }
}

/** The plugin's activities and the custom stages, on `store`. */
function workerActivities(
  store: ArtifactStore,
  capabilities: WorkerCapabilities,
  custom: Readonly<Record<string, CustomStage>>,
): object {
  // Rounds send custom stages the run config by reference too: they get it loaded, as the
  // built-in ones, and their permanent errors (a `ConfigError`, say) fail at once like theirs.
  const withConfig = configLoader(store);
  const stages = Object.fromEntries(
    Object.entries(custom).map(([name, stage]) => {
      const loaded = withConfig(stage);
      return [name, (input: Parameters<typeof loaded>[0]) => classified(() => loaded(input))];
    }),
  );
  return { ...createActivities({ store, capabilities }), ...stages };
}
