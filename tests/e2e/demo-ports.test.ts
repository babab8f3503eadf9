/** `rlaif demo --port/--ui-port`: a taken port is a clear error naming the option, not a stack trace. */
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '../../src/temporal-server/dev-server';
import { smallConfig } from '../helpers/run-env';
import { runCli } from '../helpers/worker-process';

jest.setTimeout(400_000);

let dir: string;
let taken: net.Server;
let takenPort: number;
const sockets = new Set<net.Socket>();
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-demo-ports-'));
  taken = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => taken.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

test.each([
  ['--ui-port', 'UI'],
  ['--port', 'gRPC'],
])('a taken %s names the port and the option to choose another', async (flag, what) => {
  const [free] = await freePorts(1);
  const args =
    flag === '--ui-port'
      ? ['demo', '--port', String(free), '--ui-port', String(takenPort)]
      : ['demo', '--port', String(takenPort), '--ui-port', String(free)];
  // The taken gRPC port answers TCP but not Temporal: the demo must not mistake it for a server.
  const out = await runCli(args, { RLAIF_HOME: dir });
  expect(out.code).toBe(2);
  expect(out.stderr).toContain(
    `rlaif: cannot start the Temporal dev server: 127.0.0.1:${takenPort} (its ${what} port) is already in use; ` +
      `choose another with "rlaif demo ${flag} <n>"`,
  );
  expect(out.stderr).not.toMatch(/^\s+at /m);
});

test('a port that is not a port is refused by name', async () => {
  const out = await runCli(['demo', '--ui-port', '80000'], { RLAIF_HOME: dir });
  expect(out.code).not.toBe(0);
  expect(out.stderr).toContain(
    `option '--ui-port <n>' argument '80000' is invalid. a port is a whole number`,
  );
});

test('the demo on ports of its choosing links to the UI where it is, and so do later commands', async () => {
  const [port, uiPort] = await freePorts(2);
  const config = path.join(dir, 'small.json');
  fs.writeFileSync(config, JSON.stringify(smallConfig({ rounds: 1 })));
  const env = { RLAIF_HOME: dir, RLAIF_UI_URL: '' };
  try {
    const demo = await runCli(
      ['demo', '--port', String(port), '--ui-port', String(uiPort), '--config', config, '--id', 'demo-ports'],
      env,
    );
    expect(demo.code).toBe(0);
    expect(demo.stderr).toContain(`UI on port ${uiPort}`);
    const ui = `http://localhost:${uiPort}/namespaces/default/workflows/demo-ports`;
    expect(demo.stderr).toContain(`watch it at ${ui}`);
    expect(JSON.parse(demo.stdout.trim().split('\n').pop() as string)).toMatchObject({
      workflowId: 'demo-ports',
      status: 'completed',
      uiUrl: ui,
    });
    // The UI really is there.
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).ok).toBe(true);
    // Another command on the same server finds the UI the demo recorded; one on another server
    // gets no link rather than a guess.
    const report = await runCli(
      ['report', 'demo-ports', '--out', path.join(dir, 'report'), '--address', `localhost:${port}`],
      env,
    );
    expect(report.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'report', 'index.html'), 'utf8')).toContain(`href="${ui}"`);
  } finally {
    const stopped = await runCli(['server', '--stop'], env);
    expect(stopped.stderr).toMatch(/stopped the Temporal server \(pid \d+\)/);
  }
});
