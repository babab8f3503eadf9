/** `rlaif server`: the Temporal dev server with SQLite in the state folder, in the foreground. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stateDir } from '../paths';
import { startDevServer } from '../temporal-server/dev-server';
import { forgetServer, recordServer } from '../temporal-server/server-record';

export async function runServer(opts: { port: number; uiPort: number; dbFile?: string }): Promise<void> {
  const dbFile = opts.dbFile ?? path.join(stateDir(), 'temporal.db');
  const server = await startDevServer({ dbFile, port: opts.port, uiPort: opts.uiPort });
  const uiUrl = server.uiUrl?.replace('127.0.0.1', 'localhost');
  const pid = server.process.pid;
  // Other rlaif commands print links to this UI while it runs.
  if (pid) recordServer({ pid, address: server.address, ...(uiUrl ? { uiUrl } : {}) });
  process.stderr.write(
    `Temporal dev server on ${server.address}, UI at ${uiUrl ?? '(none)'}, database ${dbFile}\nPress Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void server.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    server.process.once('exit', () => resolve());
  });
  if (pid) forgetServer(pid);
}

/** Stops a server that `rlaif demo` left running in the background. */
export function stopBackgroundServer(): string {
  const pidFile = path.join(stateDir(), 'temporal-server.pid');
  if (!fs.existsSync(pidFile)) return 'no background server recorded';
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  fs.rmSync(pidFile, { force: true });
  forgetServer(pid);
  try {
    process.kill(pid, 'SIGTERM');
    return `stopped the Temporal server (pid ${pid})`;
  } catch {
    return `the Temporal server (pid ${pid}) was not running`;
  }
}
