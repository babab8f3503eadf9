/**
 * The previous release's workflow code, taken from git: the commit is pinned here, its
 * workflows/ and src/ are extracted into a gitignored folder inside the repository (so its
 * imports resolve to this repository's node_modules) and bundled as a worker would bundle them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/**
 * The last tagged release (`git rev-parse v0.4.0^{commit}`): the code on main must take over
 * its open runs (docs/versioning.md). Move it when a release is tagged.
 */
export const PREVIOUS_RELEASE = 'd57a8474e4aef80715061f636019208b61e758ad';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Where releases are extracted; listed in .gitignore, .prettierignore and the eslint ignores. */
export const EXTRACT_ROOT = path.join(REPO_ROOT, '.previous-release');

function git(args: string[], input?: Buffer): Buffer {
  // An archive of src/ is megabytes: above execFileSync's default output buffer (1 MiB).
  return execFileSync('git', ['-C', REPO_ROOT, ...args], {
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
}

/**
 * Fails loudly, saying how to fix it, when the commit is not in this clone: a missing previous
 * release must not turn into a skipped upgrade test.
 */
function assertCommitPresent(commit: string): void {
  try {
    git(['cat-file', '-e', `${commit}^{commit}`]);
  } catch {
    let shallow: string;
    try {
      shallow = git(['rev-parse', '--is-shallow-repository']).toString().trim();
    } catch {
      shallow = 'not a git clone';
    }
    throw new Error(
      `the previous release ${commit} is not in ${REPO_ROOT} (shallow clone: ${shallow}); ` +
        'the upgrade test needs the full history: git fetch --unshallow (or clone without --depth)',
    );
  }
}

/** An extracted copy of the release's workflows/ and src/; `remove` deletes it. */
export interface ExtractedRelease {
  commit: string;
  dir: string;
  workflowsPath: string;
  remove(): void;
}

/** Extracts `commit` with `git archive` into a fresh folder under EXTRACT_ROOT. */
export function extractRelease(commit: string = PREVIOUS_RELEASE): ExtractedRelease {
  assertCommitPresent(commit);
  fs.mkdirSync(EXTRACT_ROOT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(EXTRACT_ROOT, `${commit.slice(0, 7)}-`));
  const tar = git(['archive', '--format=tar', commit, 'workflows', 'src']);
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  const workflowsPath = path.join(dir, 'workflows', 'index.ts');
  if (!fs.existsSync(workflowsPath)) throw new Error(`${commit} has no workflows/index.ts`);
  return {
    commit,
    dir,
    workflowsPath,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Bundles the release's workflows from their TypeScript sources, as `Worker.create` would. */
export function bundleRelease(release: ExtractedRelease): Promise<WorkflowBundleWithSourceMap> {
  const quiet = () => undefined;
  return bundleWorkflowCode({
    workflowsPath: release.workflowsPath,
    logger: {
      log: quiet,
      trace: quiet,
      debug: quiet,
      info: quiet,
      warn: quiet,
      error: (message, meta) => console.error(message, meta ?? ''),
    },
  });
}
