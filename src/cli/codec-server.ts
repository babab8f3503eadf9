/**
 * `rlaif codec-server`: the remote codec server for the Temporal UI and CLI, keyed from this
 * process's environment like the workers (RLAIF_CODEC_KEY, RLAIF_CODEC_KEY_ID, RLAIF_CODEC_OLD_KEYS).
 * It requires a bearer token of 32 bytes or more from the variable `--auth-env` names, unless
 * `--no-auth` is given for a loopback address (the local UI sends no token), and exact origins
 * (never '*'). See docs/security.md.
 */
import { ConfigError } from '../config/errors';
import { checkAuthToken, startCodecServer, type CodecServer } from '../codec/codec-server';
import { createPayloadCodecs } from '../codec/data-converter';
import { KEY_VAR, loadKeyring } from '../codec/keys';

export const DEFAULT_AUTH_ENV = 'RLAIF_CODEC_SERVER_TOKEN';
export const DEFAULT_CODEC_PORT = 8888;
export const DEFAULT_UI_ORIGIN = 'http://localhost:8233';

export interface CodecServerCliOptions {
  port: number;
  host: string;
  /** Allowed browser origins, comma-separated. */
  origin: string;
  authEnv: string;
  /** commander sets this false for --no-auth. */
  auth: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts the codec server from the CLI options and the environment; errors name what to set. */
export async function startCodecServerFromCli(
  o: CodecServerCliOptions,
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => process.stderr.write(`[rlaif codec-server] ${line}\n`),
): Promise<CodecServer> {
  const keys = loadKeyring(env);
  if (!keys) throw new ConfigError(`${KEY_VAR} is not set: the codec server needs the key the workers use`);
  let authToken: string | undefined;
  if (o.auth) {
    authToken = env[o.authEnv]?.trim();
    if (!authToken) {
      throw new ConfigError(
        `${o.authEnv} is not set: set it to the bearer token callers must send ` +
          `(make one with: openssl rand -hex 32; callers send it as --codec-auth "Bearer <token>"), ` +
          'or pass --no-auth on a loopback address',
      );
    }
    checkAuthToken(authToken, o.authEnv);
  } else if (!LOOPBACK.has(o.host)) {
    throw new ConfigError(`--no-auth is only allowed on a loopback address, not on --host ${o.host}`);
  }
  const origins = o.origin
    .split(',')
    .map((s) => s.trim().replace(/\/$/, ''))
    .filter((s) => s.length > 0);
  const server = await startCodecServer({
    // It shows payloads to people, so plaintext ones (from before the codec) are shown as they are.
    codecs: createPayloadCodecs(keys, { unencrypted: 'pass' }),
    port: o.port,
    host: o.host,
    origins,
    ...(authToken !== undefined ? { authToken } : {}),
    log,
  });
  log(
    `serving ${server.url}/encode and /decode (current key id "${keys.current.id}", ${keys.byId.size} key(s); ` +
      `CORS for ${origins.join(', ') || 'no origin'}; ${authToken ? `bearer token from ${o.authEnv}` : 'no auth'})`,
  );
  log(`point the UI at it: temporal server start-dev --ui-codec-endpoint ${server.url}`);
  return server;
}

/** Runs until SIGINT or SIGTERM. */
export async function runCodecServer(o: CodecServerCliOptions): Promise<void> {
  const server = await startCodecServerFromCli(o);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().finally(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
