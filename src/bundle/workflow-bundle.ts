/**
 * The workflow bundle a worker runs, built once by `npm run build` instead of at every worker
 * start (webpack takes seconds of CPU, paid again by every worker that starts). A bundle records
 * every file webpack read and a digest of their contents; a worker uses it only while that
 * digest still holds, and otherwise bundles at start, saying why.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';
import { WORKFLOWS_PATH } from '../plugin';

/**
 * A bundle per failure converter, since the bundle fixes the one workflow code uses: `plain`
 * (Temporal's) and `codec` (the encrypting one, for workers holding RLAIF_CODEC_KEY).
 */
export type BundleVariant = 'plain' | 'codec';

/** Where `npm run build` writes the bundles: dist/workflow-bundle, beside the code they come from. */
export const BUNDLE_DIR = path.resolve(__dirname, '..', '..', 'workflow-bundle');

/** What a bundle was built from, stored beside it as <variant>.json. */
interface BundleManifest {
  /** Absolute paths of the files webpack read, sorted. */
  files: string[];
  /** sha256 over every file's path and content, in that order. */
  digest: string;
}

/** Where to find the workflows and write the bundles; the defaults are this package's. */
export interface BundleLocation {
  dir?: string;
  workflowsPath?: string;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};

/** The digest of `files`, or the first one that cannot be read. */
function digestOf(files: readonly string[]): { digest: string } | { missing: string } {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    let content: Buffer;
    try {
      content = fs.readFileSync(file);
    } catch {
      return { missing: file };
    }
    hash.update(`${file}\n${content.length}\n`).update(content);
  }
  return { digest: hash.digest('hex') };
}

/** Bundles the workflows (quietly) and lists the files webpack read for it. */
async function bundle(
  variant: BundleVariant,
  workflowsPath: string,
): Promise<{ code: string; files: string[] }> {
  const read = new Set<string>();
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: quietLogger,
    ...(variant === 'codec' ? { failureConverterPath: FAILURE_CONVERTER_PATH } : {}),
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        {
          apply(compiler) {
            compiler.hooks.afterCompile.tap('rlaif-bundle-files', (compilation) => {
              for (const file of compilation.fileDependencies) if (path.isAbsolute(file)) read.add(file);
            });
          },
        },
      ],
    }),
  });
  // webpack lists folders it looked in too; only files decide the bundle's content.
  const files = [...read].filter((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile()).sort();
  return { code, files };
}

/** Builds both bundles into `dir` (each written whole, then renamed, so a reader never sees half). */
export async function buildWorkflowBundles(
  location: BundleLocation = {},
  variants: readonly BundleVariant[] = ['plain', 'codec'],
): Promise<void> {
  const dir = location.dir ?? BUNDLE_DIR;
  fs.mkdirSync(dir, { recursive: true });
  for (const variant of variants) {
    const { code, files } = await bundle(variant, location.workflowsPath ?? WORKFLOWS_PATH);
    const sum = digestOf(files);
    if (!('digest' in sum)) throw new Error(`bundling the workflows: ${sum.missing} vanished while bundling`);
    const manifest: BundleManifest = { files, digest: sum.digest };
    for (const [name, content] of [
      [`${variant}.js`, code],
      [`${variant}.json`, `${JSON.stringify(manifest, null, 1)}\n`],
    ] as const) {
      const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
      fs.writeFileSync(tmp, content);
      fs.renameSync(tmp, path.join(dir, name));
    }
  }
}

/** The prebuilt bundle, or why it cannot be used. */
export type PrebuiltBundle = { codePath: string } | { unusable: string };

/** The prebuilt bundle of `variant` if it exists and every file it was built from is unchanged. */
export function prebuiltWorkflowBundle(variant: BundleVariant, dir = BUNDLE_DIR): PrebuiltBundle {
  const codePath = path.join(dir, `${variant}.js`);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, `${variant}.json`), 'utf8')) as BundleManifest;
  } catch {
    return { unusable: `there is no prebuilt workflow bundle in ${dir}` };
  }
  if (!fs.existsSync(codePath)) return { unusable: `the prebuilt workflow bundle ${codePath} is missing` };
  const now = digestOf(manifest.files ?? []);
  if ('missing' in now) return { unusable: `${now.missing}, which the prebuilt bundle holds, is gone` };
  if (now.digest !== manifest.digest) {
    return { unusable: 'the workflow code (or a module it imports) changed since the bundle was built' };
  }
  return { codePath };
}

/**
 * The workflow bundle for a worker: the prebuilt one when it is current, else one bundled now.
 * `note` says why it was bundled now, for the worker to print.
 */
export async function workflowBundleFor(
  variant: BundleVariant,
  options: BundleLocation & { prebuilt?: boolean } = {},
): Promise<{ bundle: WorkflowBundleOption; note?: string }> {
  if (options.prebuilt !== false) {
    const found = prebuiltWorkflowBundle(variant, options.dir);
    if ('codePath' in found) return { bundle: found };
    const { code } = await bundle(variant, options.workflowsPath ?? WORKFLOWS_PATH);
    return {
      bundle: { code },
      note: `${found.unusable}; bundled the workflows at start instead (run "npm run build" to start faster)`,
    };
  }
  const { code } = await bundle(variant, options.workflowsPath ?? WORKFLOWS_PATH);
  return { bundle: { code } };
}
