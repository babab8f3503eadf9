/**
 * `rlaif codec-server` over real HTTP: the remote codec protocol, CORS for the UI, the bearer token,
 * and the bounds a hostile caller meets (inflate budget, concurrency, origins, token length).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { startCodecServerFromCli, type CodecServerCliOptions } from '../../src/cli/codec-server';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';
import { decodeWith, encodeWith } from '../../src/codec/chain';
import { GZIP_ENCODING, MAX_DECOMPRESSED_BYTES } from '../../src/codec/compression-codec';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { createPayloadCodecs } from '../../src/codec/data-converter';
import { loadKeyring } from '../../src/codec/keys';
import { payloadsFromJson, payloadsToJson } from '../../src/codec/http-payloads';
import { payloadToBytes } from '../../src/codec/payload-bytes';

const UI = 'http://localhost:8233';
const TOKEN = `tok-${randomBytes(16).toString('hex')}`;
const env = {
  RLAIF_CODEC_KEY: randomBytes(32).toString('base64'),
  RLAIF_CODEC_KEY_ID: 'test-key',
  CODEC_TOKEN: TOKEN,
};
const codecs = createPayloadCodecs(loadKeyring(env)!);
const cli: CodecServerCliOptions = {
  port: 0,
  host: '127.0.0.1',
  origin: UI,
  authEnv: 'CODEC_TOKEN',
  auth: true,
};
const SECRET = `response-text-${randomBytes(6).toString('hex')}`;

let server: CodecServer;
const lines: string[] = [];

beforeAll(async () => {
  server = await startCodecServerFromCli(cli, env, (l) => lines.push(l));
});
afterAll(async () => {
  await server?.close();
});

const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Namespace': 'default',
      Authorization: `Bearer ${TOKEN}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('encode then decode over HTTP round-trips, interoperating with the in-process codec', async () => {
  const plain = payloadsToJson([defaultPayloadConverter.toPayload({ response: SECRET })]);
  expect(plain.payloads[0]!.metadata!.encoding).toBe(b64('json/plain')); // proto3 JSON: base64 values

  const encRes = await post('/encode', plain);
  expect(encRes.status).toBe(200);
  const encoded = (await encRes.json()) as typeof plain;
  expect(encoded.payloads[0]!.metadata!.encoding).toBe(b64('binary/encrypted'));
  expect(encoded.payloads[0]!.metadata!['encryption-key-id']).toBe(b64('test-key'));
  expect(JSON.stringify(encoded)).not.toContain(b64(SECRET).slice(0, 16));
  // What the server encrypted, a worker's codec decrypts...
  const [local] = await decodeWith(codecs, payloadsFromJson(encoded));
  expect(defaultPayloadConverter.fromPayload(local!)).toEqual({ response: SECRET });

  // ...and what a worker encrypted, the server decrypts (also under /<namespace>/, as the CLI templates it).
  const fromWorker = payloadsToJson(
    await encodeWith(codecs, [defaultPayloadConverter.toPayload([1, SECRET])]),
  );
  for (const route of ['/decode', '/default/decode']) {
    const res = await post(route, fromWorker);
    expect(res.status).toBe(200);
    const decoded = (await res.json()) as typeof plain;
    expect(decoded.payloads[0]!.metadata!.encoding).toBe(b64('json/plain'));
    expect(JSON.parse(Buffer.from(decoded.payloads[0]!.data!, 'base64').toString())).toEqual([1, SECRET]);
  }
  // The log names requests, never their content.
  expect(lines.some((l) => /POST \/decode 200 namespace=default payloads=1/.test(l))).toBe(true);
  expect(lines.join('\n')).not.toContain(SECRET);
});

test('a CORS preflight from the UI origin is allowed with the headers the UI sends, without a token', async () => {
  const res = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: {
      Origin: UI,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type,x-namespace',
    },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe(UI);
  expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
  expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-namespace']));
  expect(res.headers.get('access-control-allow-credentials')).toBe('true');

  // The actual request from that origin carries the allow-origin header too; other origins get none.
  const ok = await post('/decode', { payloads: [] }, { Origin: UI });
  expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
  const other = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: { Origin: 'https://evil.example' },
  });
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});

test('no token, a wrong token or another scheme gets 401 and nothing decoded', async () => {
  const sealed = payloadsToJson(await encodeWith(codecs, [defaultPayloadConverter.toPayload(SECRET)]));
  for (const auth of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (auth !== undefined) headers.Authorization = auth;
    const res = await fetch(`${server.url}/decode`, {
      method: 'POST',
      headers,
      body: JSON.stringify(sealed),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.text()).not.toContain(b64(SECRET).slice(0, 16));
  }
  expect((await post('/decode', sealed)).status).toBe(200);
});

test('bad requests get a clear 4xx naming the problem', async () => {
  const res400 = async (body: unknown) => {
    const res = await post('/decode', body);
    expect(res.status).toBe(400);
    return ((await res.json()) as { error: string }).error;
  };
  expect(await res400('{not json')).toMatch(/the body is not JSON/);
  expect(await res400({ items: [] })).toMatch(/"payloads" array/);
  expect(await res400({ payloads: [{ metadata: { encoding: 'binary/encrypted!' } }] })).toBe(
    'payloads[0].metadata.encoding must be a base64 string',
  );
  const sealed = payloadsToJson(await encodeWith(codecs, [defaultPayloadConverter.toPayload(SECRET)]));
  const data = Buffer.from(sealed.payloads[0]!.data!, 'base64');
  data[20] = data[20]! ^ 1;
  sealed.payloads[0]!.data = data.toString('base64');
  expect(await res400(sealed)).toMatch(/key id "test-key"\) failed its integrity check/);

  expect(
    (await fetch(`${server.url}/decode`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status,
  ).toBe(405);
  expect((await post('/a/b/decode', { payloads: [] })).status).toBe(404);
  expect((await post('/', { payloads: [] })).status).toBe(404);
});

test('the CLI refuses to start without a key, without its token variable, or open without auth', async () => {
  await expect(startCodecServerFromCli(cli, { CODEC_TOKEN: TOKEN })).rejects.toThrow(
    /^RLAIF_CODEC_KEY is not set/,
  );
  await expect(startCodecServerFromCli(cli, { ...env, CODEC_TOKEN: '' })).rejects.toThrow(
    /^CODEC_TOKEN is not set: set it to the bearer token/,
  );
  await expect(startCodecServerFromCli({ ...cli, auth: false, host: '0.0.0.0' }, env)).rejects.toThrow(
    '--no-auth is only allowed on a loopback address',
  );
  await expect(startCodecServerFromCli(cli, { ...env, RLAIF_CODEC_KEY: 'abcd' })).rejects.toThrow(
    'RLAIF_CODEC_KEY: the key is 3 bytes',
  );
});

test("'*' or a path as origin, and a short token, are refused at start, saying what to give instead", async () => {
  for (const o of [cli, { ...cli, auth: false }]) {
    await expect(startCodecServerFromCli({ ...o, origin: `${UI},*` }, env)).rejects.toThrow(
      "origin '*' is refused: any web page could then call the codec server and read decrypted payloads",
    );
  }
  await expect(startCodecServerFromCli({ ...cli, origin: `${UI}/namespaces` }, env)).rejects.toThrow(
    `origin '${UI}/namespaces' is not an origin: give scheme, host and port only`,
  );
  await expect(startCodecServerFromCli(cli, { ...env, CODEC_TOKEN: 'x' })).rejects.toThrow(
    'CODEC_TOKEN is 1 byte; a codec server token must be at least 32 random bytes (make one with: openssl rand -hex 32)',
  );
  await expect(startCodecServerFromCli(cli, { ...env, CODEC_TOKEN: 'a'.repeat(31) })).rejects.toThrow(
    'CODEC_TOKEN is 31 bytes',
  );
  // The library refuses them too, for servers started from code.
  await expect(startCodecServer({ codecs, origins: ['*'] })).rejects.toThrow("origin '*' is refused");
  await expect(startCodecServer({ codecs, origins: [UI], authToken: 'short' })).rejects.toThrow(
    'the bearer token is 5 bytes',
  );
});

const MiB = 1024 * 1024;

/** A gzip payload of about 32 KiB that inflates to 32 MiB. */
function bomb(): Payload {
  const inner = payloadToBytes({
    metadata: { encoding: Buffer.from('binary/plain') },
    data: Buffer.alloc(32 * MiB),
  });
  return { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: gzipSync(inner) };
}

/**
 * The largest growth of this process's Buffer memory (the server runs in it) while `work` runs,
 * from the lowest point seen before it: garbage of earlier tests may be collected meanwhile.
 */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let low = Infinity;
  let peak = 0;
  const sample = () => {
    const now = process.memoryUsage().arrayBuffers;
    low = Math.min(low, now);
    peak = Math.max(peak, now - low);
  };
  sample();
  const timer = setInterval(sample, 1);
  try {
    const result = await work();
    sample();
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

describe('compression bombs', () => {
  let plain: { payloads: unknown[] };
  let sealed: { payloads: unknown[] };
  beforeAll(async () => {
    const one = bomb();
    const [wrapped] = await new EncryptionCodec(loadKeyring(env)!).encode([one]);
    plain = payloadsToJson(Array(8).fill(one));
    sealed = payloadsToJson(Array(8).fill(wrapped));
  });

  test('8 payloads of 32 MiB each (a 350 KB body) get 413, and memory stays near one budget', async () => {
    expect(JSON.stringify(sealed).length).toBeLessThan(400_000);
    // Plaintext gzip (shown as is by this server) and gzip inside our encryption alike.
    for (const body of [plain, sealed]) {
      const { result: res, peak } = await peakGrowth(() => post('/decode', body));
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toBe(
        `the compressed payloads inflate to more than ${MAX_DECOMPRESSED_BYTES} bytes together; refused ` +
          '(a decode call, e.g. one codec server request, may inflate at most that much)',
      );
      // All eight at once would hold 256 MiB; the budget stops inflating at 64.
      expect(peak).toBeLessThan(160 * MiB);
    }
    // One of them fits the budget and decodes.
    const one = await post('/decode', { payloads: sealed.payloads.slice(0, 1) });
    expect(one.status).toBe(200);
  });

  test('parallel requests wait for a slot instead of inflating at once', async () => {
    const one = await startCodecServer({ codecs, origins: [UI], maxConcurrentRequests: 1 });
    try {
      const send = () => fetch(`${one.url}/decode`, { method: 'POST', body: JSON.stringify(sealed) });
      const { result, peak } = await peakGrowth(() => Promise.all([send(), send(), send(), send()]));
      expect(result.map((r) => r.status)).toEqual([413, 413, 413, 413]);
      // Four at once would hold four budgets (about 200 MiB measured); one at a time holds one.
      expect(peak).toBeLessThan(160 * MiB);
    } finally {
      await one.close();
    }
  });
});

test('`rlaif codec-server --no-auth` serves on loopback from the command line and stops on SIGTERM', async () => {
  const main = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(main)}).main(['node', 'rlaif', ...process.argv.slice(1)])`,
      ...['codec-server', '--port', '0', '--no-auth', '--origin', 'http://localhost:9999/'],
    ],
    { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20000;
    while (!/serving (http:\S+)\/encode/.test(err) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const url = /serving (http:\S+)\/encode/.exec(err)?.[1];
    expect(err).toContain('current key id "test-key"');
    expect(err).toContain('CORS for http://localhost:9999; no auth');
    const sealed = payloadsToJson(await encodeWith(codecs, [defaultPayloadConverter.toPayload(SECRET)]));
    const res = await fetch(`${url}/decode`, { method: 'POST', body: JSON.stringify(sealed) });
    expect(res.status).toBe(200);
    const [out] = payloadsFromJson(await res.json());
    expect(defaultPayloadConverter.fromPayload(out!)).toBe(SECRET);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});
