/** `rlaif server`: the Temporal dev server with SQLite in the state folder, in the foreground. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stateDir } from '../paths';
import { startDevServer } from '../server/dev-server';

export async function runServer(opts: { port: number; uiPort: number; dbFile?: string }): Promise<void> {
  const dbFile = opts.dbFile ?? path.join(stateDir(), 'temporal.db');
  const server = await startDevServer({ dbFile, port: opts.port, uiPort: opts.uiPort });
  process.stderr.write(
    `Temporal dev server on ${server.address}, UI at ${server.uiUrl ?? '(none)'}, database ${dbFile}\nPress Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void server.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    server.process.once('exit', () => resolve());
  });
}

/** Stops a server that `rlaif demo` left running in the background. */
export function stopBackgroundServer(): string {
  const pidFile = path.join(stateDir(), 'temporal-server.pid');
  if (!fs.existsSync(pidFile)) return 'no background server recorded';
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  fs.rmSync(pidFile, { force: true });
  try {
    process.kill(pid, 'SIGTERM');
    return `stopped the Temporal server (pid ${pid})`;
  } catch {
    return `the Temporal server (pid ${pid}) was not running`;
  }
}
