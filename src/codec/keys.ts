/**
 * The codec's keys, from the environment of the worker, client or codec server (never from a
 * config or workflow input, which would put them in history):
 *
 * - `RLAIF_CODEC_KEY`: the current key, 32 bytes as 64 hex digits or base64. It encrypts every
 *   new payload. Unset: no codec.
 * - `RLAIF_CODEC_KEY_ID`: its id, written in clear next to each payload so a reader can pick the
 *   key (default: `k` + the first 8 hex digits of the key's SHA-256, which reveals nothing usable).
 * - `RLAIF_CODEC_OLD_KEYS`: earlier keys that still decrypt, as `id=key` entries separated by
 *   commas. Rotation: make the new key current and list the old one here.
 */
import { createHash } from 'node:crypto';
import { CodecKeyError } from './errors';

export const KEY_VAR = 'RLAIF_CODEC_KEY';
export const KEY_ID_VAR = 'RLAIF_CODEC_KEY_ID';
export const OLD_KEYS_VAR = 'RLAIF_CODEC_OLD_KEYS';

/** AES-256 needs exactly this many key bytes. */
export const KEY_BYTES = 32;

/** One named key. */
export interface CodecKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The current key (encrypts) and every key that decrypts, by id. */
export interface CodecKeyring {
  readonly current: CodecKey;
  readonly byId: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Decodes a key written as hex or base64 (standard or URL-safe); `where` names it in errors. */
export function parseKey(text: string, where: string): Buffer {
  const value = text.trim();
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (!BASE64_KEY.test(value)) {
    throw new CodecKeyError(where, `not hex or base64 (make one with: openssl rand -base64 ${KEY_BYTES})`);
  }
  const key = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
  if (key.length !== KEY_BYTES) {
    throw new CodecKeyError(
      where,
      `the key is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (64 hex digits or 44 base64 characters; make one with: openssl rand -base64 ${KEY_BYTES})`,
    );
  }
  return key;
}

/** The default id of a key: a short fingerprint, stable for the same key on every machine. */
export function defaultKeyId(key: Buffer): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

function checkId(id: string, where: string): string {
  if (!KEY_ID.test(id))
    throw new CodecKeyError(where, `key id "${id}" must be 1-64 letters, digits, '.', '_' or '-'`);
  return id;
}

/** Builds a keyring from a current key and older decrypt-only keys; ids must not clash. */
export function createKeyring(current: CodecKey, old: readonly CodecKey[] = []): CodecKeyring {
  const byId = new Map<string, Buffer>([[current.id, current.key]]);
  for (const k of old) {
    const seen = byId.get(k.id);
    if (seen && !seen.equals(k.key)) {
      throw new CodecKeyError(OLD_KEYS_VAR, `key id "${k.id}" is given twice with different keys`);
    }
    byId.set(k.id, k.key);
  }
  return { current, byId };
}

/** The keyring from the environment, or undefined when `RLAIF_CODEC_KEY` is unset or empty. */
export function loadKeyring(env: NodeJS.ProcessEnv = process.env): CodecKeyring | undefined {
  const text = env[KEY_VAR]?.trim();
  if (!text) {
    for (const v of [KEY_ID_VAR, OLD_KEYS_VAR]) {
      if (env[v]?.trim()) throw new CodecKeyError(v, `is set but ${KEY_VAR} is not; set the current key too`);
    }
    return undefined;
  }
  const key = parseKey(text, KEY_VAR);
  const idText = env[KEY_ID_VAR]?.trim();
  const current = { id: idText ? checkId(idText, KEY_ID_VAR) : defaultKeyId(key), key };
  const old = (env[OLD_KEYS_VAR] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry, i) => {
      const where = `${OLD_KEYS_VAR} (entry ${i + 1})`;
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new CodecKeyError(where, 'expected id=key');
      return { id: checkId(entry.slice(0, eq).trim(), where), key: parseKey(entry.slice(eq + 1), where) };
    });
  return createKeyring(current, old);
}
