/**
 * An HTTP proxy that forwards every request to one upstream and records what was asked and how it
 * was answered, so a test can count the questions a server actually answered (a judgment paid for
 * twice shows up as the same request body answered twice). An unreachable upstream is answered
 * with 502, as a load balancer in front of a dead server would.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One forwarded request. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** sha256 of the request body. */
  bodyHash: string;
  /** The upstream's status, or 502 when it could not be reached or dropped the connection. */
  status: number;
}

/** A running proxy. */
export interface RecordingProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port in front of `upstream` (an origin, http://host:port). */
export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        bodyHash: crypto.createHash('sha256').update(body).digest('hex'),
        status: 502,
      };
      requests.push(record);
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const up = http.request(
        { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
        (upRes) => {
          const parts: Buffer[] = [];
          upRes.on('data', (c: Buffer) => parts.push(c));
          upRes.on('end', () => {
            record.status = upRes.statusCode ?? 502;
            res.writeHead(record.status, upRes.headers);
            res.end(Buffer.concat(parts));
          });
          upRes.on('error', () => badGateway(res));
        },
      );
      up.on('error', () => badGateway(res));
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function badGateway(res: http.ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(502, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: 'upstream unreachable' } }));
}
