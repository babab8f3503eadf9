/** A plain dev server started without our search attributes gets them from the worker's setup. */
import { spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { freePorts, isServerReachable } from '../../src/temporal-server/dev-server';
import { registerSearchAttributes } from '../../src/temporal-server/register-search-attributes';
import { SEARCH_ATTRIBUTES } from '../../src/temporal-server/search-attributes';
import { findTemporalCli } from '../../src/temporal-server/temporal-cli';

test('missing search attributes are added, and a second call has nothing to do', async () => {
  const [port] = await freePorts(1);
  const address = `127.0.0.1:${port}`;
  const server = spawn(
    findTemporalCli(),
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--headless',
      '--log-level',
      'error',
    ],
    {
      stdio: 'ignore',
    },
  );
  try {
    const deadline = Date.now() + 60_000;
    while (!(await isServerReachable(address, 1000))) {
      if (Date.now() > deadline) throw new Error('dev server did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const added = await registerSearchAttributes({ address }, 'default');
    expect(added.sort()).toEqual(Object.keys(SEARCH_ATTRIBUTES).sort());
    const connection = await Connection.connect({ address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: 'default',
      });
      for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(customAttributes?.[name]).toBeDefined();
    } finally {
      await connection.close();
    }
    expect(await registerSearchAttributes({ address }, 'default')).toEqual([]);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
});
