/**
 * A proxy in front of an S3 server that answers a seeded share of requests with S3's throttling
 * reply (503 SlowDown) before they reach the server, and forwards the rest untouched. Headers go
 * through as they are, Host included, so the client's SigV4 signature stays valid. The share can
 * change while it runs (the chaos suite throttles for a while, then stops); a server that is
 * down (restarting) drops the connection, as a real one would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Rng } from '../util/rng';

export interface ThrottleProxy {
  /** `http://127.0.0.1:<port>`: the endpoint clients use instead of the server's. */
  endpoint: string;
  /** Throttles this share of the requests from now on (0 forwards them all). */
  setRate(rate: number): void;
  stats(): { requests: number; throttled: number };
  close(): Promise<void>;
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

/** Starts a proxy to the S3 server on `targetPort` that throttles `rate` of the requests. */
export async function startThrottleProxy(targetPort: number, rate: number, seed = 1): Promise<ThrottleProxy> {
  const rng = new Rng(seed);
  let share = rate;
  let requests = 0;
  let throttled = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (share > 0 && rng.next() < share) {
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
    setRate: (r) => {
      share = r;
    },
    stats: () => ({ requests, throttled }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
