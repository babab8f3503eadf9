/** A small local model server for a test file, and fault proxies in front of it, all closed after the file. */
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../../devtools/fault-proxy';
import { startLocalModelServer, type LocalModelServer } from '../../src/model-server/local-model-server';
import { exportPolicyOnnx, initPolicy } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { Rng } from '../../src/util/rng';

/** Registers the file's beforeAll/afterAll; `proxy` starts a proxy to the server. */
export function useProxiedModelServer(): {
  server: () => LocalModelServer;
  proxy: (opts: Omit<FaultProxyOptions, 'target'>) => Promise<FaultProxy>;
} {
  let server: LocalModelServer | undefined;
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    server = await startLocalModelServer({
      policyOnnx: exportPolicyOnnx(initPolicy(Vocab.demo(), 6, new Rng(2), 1)),
    });
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await server?.close();
  });
  const started = (): LocalModelServer => {
    if (!server) throw new Error('the model server starts in beforeAll');
    return server;
  };
  return {
    server: started,
    proxy: async (opts) => {
      const p = await startFaultProxy({ ...opts, target: started().url });
      proxies.push(p);
      return p;
    },
  };
}
