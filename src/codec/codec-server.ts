/**
 * A remote codec server per Temporal's protocol, so the Temporal UI and CLI can show decoded
 * payloads to those allowed: POST `/encode` and `/decode` (also under `/<namespace>/`, for the
 * CLI's endpoint templating) take and return `{payloads: [...]}`; CORS lets the UI's origins call
 * it from the browser; a bearer token guards it, since one call decrypts anything. Memory is
 * bounded: each request is one decode call of the codec chain (whose inflate budget is the
 * request's), and only a few requests are decoded at once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { ConfigError } from '../config/errors';
import { ApiError } from '../model-server/api-error';
import { readBody } from '../model-server/read-body';
import { decodeWith, encodeWith } from './chain';
import { CodecError, InflateBudgetError } from './errors';
import { BadPayloadsError, payloadsFromJson, payloadsToJson } from './http-payloads';
import { RequestSlots } from './request-slots';

/** Options of `startCodecServer`. */
export interface CodecServerOptions {
  /**
   * The codec chain, the same one workers and clients use. Each request is one `decode` call, so
   * the chain's inflate budget (`createPayloadCodecs`' `maxInflatedBytes`) bounds each request.
   */
  readonly codecs: readonly PayloadCodec[];
  /** Port to listen on; 0 picks a free one. */
  readonly port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Browser origins allowed to call (the Temporal UI's), e.g. http://localhost:8233; never '*'. */
  readonly origins: readonly string[];
  /** When set, requests must carry `Authorization: Bearer <authToken>` (else 401); 32 bytes or more. */
  readonly authToken?: string;
  /** Largest request body accepted; default 16 MiB. */
  readonly maxBodyBytes?: number;
  /** Requests read and coded at once; the others wait. Default 4. */
  readonly maxConcurrentRequests?: number;
  /** One line per request (method, path, status, namespace, count); never payload content. */
  readonly log?: (line: string) => void;
}

/** A running codec server. */
export interface CodecServer {
  /** The endpoint to give the UI or CLI, e.g. http://127.0.0.1:8888. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const ROUTE = /^(?:\/[^/]+)?\/(encode|decode)\/?$/;
const ALLOW_HEADERS = 'Authorization, Content-Type, X-Namespace';

/** Shortest bearer token accepted: guessing it must be out of reach. */
export const MIN_TOKEN_BYTES = 32;

/**
 * Refuses a token shorter than `MIN_TOKEN_BYTES`; `name` says where it came from (an
 * environment variable for the CLI).
 */
export function checkAuthToken(token: string, name = 'the bearer token'): void {
  const bytes = Buffer.byteLength(token, 'utf8');
  if (bytes < MIN_TOKEN_BYTES) {
    throw new ConfigError(
      `${name} is ${bytes} byte${bytes === 1 ? '' : 's'}; a codec server token must be at least ${MIN_TOKEN_BYTES} ` +
        `random bytes (make one with: openssl rand -hex ${MIN_TOKEN_BYTES})`,
    );
  }
}

/**
 * Refuses anything but exact http(s) origins. Not '*': CORS with credentials would then let any
 * web page open in a browser that can reach the server (or holds its token) read decrypted payloads.
 */
export function checkOrigins(origins: readonly string[]): void {
  for (const origin of origins) {
    if (origin === '*' || origin === 'null') {
      throw new ConfigError(
        `origin '${origin}' is refused: any web page could then call the codec server and read decrypted ` +
          "payloads; list the UI's origins instead, e.g. http://localhost:8233",
      );
    }
    const parsed = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(
        `origin '${origin}' is not an origin: give scheme, host and port only, e.g. http://localhost:8233`,
      );
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares digests in constant time, so response timing does not leak the token. */
function authorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!.trim()), digest(token));
}

function corsHeaders(req: IncomingMessage, origins: readonly string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !origins.includes(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': ALLOW_HEADERS,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Starts the server; resolves once it listens. Refuses a '*' origin and a short token. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  checkOrigins(options.origins);
  if (options.authToken !== undefined) checkAuthToken(options.authToken);
  const log = options.log ?? (() => undefined);
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const slots = new RequestSlots(options.maxConcurrentRequests ?? 4);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const cors = corsHeaders(req, options.origins);
    const pathname = new URL(req.url ?? '/', 'http://codec').pathname;
    const route = ROUTE.exec(pathname)?.[1] as 'encode' | 'decode' | undefined;
    const namespace = String(req.headers['x-namespace'] ?? '-');
    const done = (status: number, body?: unknown, count = 0) => {
      send(res, status, status === 401 ? { ...cors, 'WWW-Authenticate': 'Bearer' } : cors, body);
      log(`${req.method} ${pathname} ${status} namespace=${namespace} payloads=${count}`);
    };
    if (!route) return done(404, { error: `no route ${pathname}; POST /encode or /decode` });
    // Browsers send preflights without credentials, so they are answered before the token check.
    if (req.method === 'OPTIONS') return done(204);
    if (req.method !== 'POST') return done(405, { error: `${req.method} ${pathname}: only POST is served` });
    if (options.authToken !== undefined && !authorized(req.headers.authorization, options.authToken)) {
      return done(401, { error: 'missing or wrong "Authorization: Bearer <token>" header' });
    }
    // Held until the response closes, also when the client goes away mid-body or while waiting.
    const release = await slots.acquire();
    res.once('close', release);
    if (req.socket.destroyed) return release();
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, maxBody)).toString('utf8'));
    } catch (err) {
      if (err instanceof ApiError) return done(err.status, { error: err.message });
      return done(400, { error: `the body is not JSON: ${(err as Error).message}` });
    }
    try {
      const payloads = payloadsFromJson(body);
      const out =
        route === 'encode'
          ? await encodeWith(options.codecs, payloads)
          : await decodeWith(options.codecs, payloads);
      return done(200, payloadsToJson(out), out.length);
    } catch (err) {
      if (err instanceof InflateBudgetError) return done(413, { error: err.message });
      if (err instanceof BadPayloadsError || err instanceof CodecError)
        return done(400, { error: err.message });
      throw err;
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`${req.method} ${req.url} 500 ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, corsHeaders(req, options.origins), { error: 'internal error' });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { port, address } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
