/**
 * A proxy in front of an S3 server that answers a seeded share of requests with S3's throttling
 * reply (503 SlowDown) before they reach the server, and forwards the rest untouched. Headers go
 * through as they are, Host included, so the client's SigV4 signature stays valid.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Rng } from '../../src/util/rng';

export interface ThrottleProxy {
  endpoint: string;
  stats(): { requests: number; throttled: number };
  close(): Promise<void>;
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

export async function startThrottleProxy(targetPort: number, rate: number, seed = 1): Promise<ThrottleProxy> {
  const rng = new Rng(seed);
  let requests = 0;
  let throttled = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (rng.next() < rate) {
      throttled++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml', 'retry-after': '0' });
      res.end(SLOW_DOWN);
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => ({ requests, throttled }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
