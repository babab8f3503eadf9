/**
 * Runs the `rlaif` CLI compiled next to these tests (dist/ under `npm test`, a private build
 * folder in development), where bin/rlaif.js would always load dist/.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');

export function runBuiltCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const launcher = `require(${JSON.stringify(MAIN)}).main(process.argv).then(() => process.exit(process.exitCode ?? 0))`;
  return new Promise((resolve) => {
    // argv[1] is a placeholder for the script name that commander skips.
    const child = spawn(process.execPath, ['-e', launcher, '--', 'rlaif', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
