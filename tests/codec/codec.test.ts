/** The payload codec: round trip, no plaintext in ciphertext, tamper and wrong-key detection, rotation, compression. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { CompressionCodec, GZIP_ENCODING, MAX_DECOMPRESSED_BYTES } from '../../src/codec/compression-codec';
import { codecDataConverterFromEnv, createPayloadCodecs } from '../../src/codec/data-converter';
import { decodeWith, encodeWith } from '../../src/codec/chain';
import { type EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/codec/encryption-codec';
import { failureConverter } from '../../src/codec/failure-converter';
import { CodecError, UnencryptedPayloadError, UnknownKeyIdError } from '../../src/codec/errors';
import { createKeyring, defaultKeyId, type CodecKeyring } from '../../src/codec/keys';
import { encodingOf, payloadToBytes } from '../../src/codec/payload-bytes';

const keyring = (id: string, key: Buffer = randomBytes(32), old: CodecKeyring[] = []): CodecKeyring =>
  createKeyring(
    { id, key },
    old.map((k) => k.current),
  );
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const bytesOf = (p: Payload) =>
  Buffer.concat([
    ...Object.entries(p.metadata ?? {}).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v!)]),
    Buffer.from(p.data ?? []),
  ]);

const SECRET = `prompt-text-${randomBytes(6).toString('hex')}`;

describe('codec chain (compression + AES-256-GCM)', () => {
  const keys = keyring('k1');
  const codecs = createPayloadCodecs(keys);

  test('round trip restores every payload exactly, metadata included', async () => {
    const inputs: Payload[] = [
      toPayload({ prompt: SECRET, n: 3 }),
      toPayload(SECRET.repeat(500)),
      toPayload(new Uint8Array([0, 1, 2, 255])),
      toPayload(undefined),
      toPayload(''),
      { metadata: { encoding: Buffer.from('json/plain'), custom: Buffer.from('x') }, data: Buffer.from('1') },
    ];
    const encoded = await encodeWith(codecs, inputs);
    expect(encoded.map(encodingOf)).toEqual(Array(inputs.length).fill(ENCRYPTED_ENCODING));
    const decoded = await decodeWith(codecs, encoded);
    expect(decoded.map((p) => bytesOf(p).toString('hex'))).toEqual(
      inputs.map((p) => bytesOf(p).toString('hex')),
    );
    expect(fromPayload(decoded[0]!)).toEqual({ prompt: SECRET, n: 3 });
  });

  test('the ciphertext carries no plaintext, and the same value encrypts differently each time', async () => {
    const input = toPayload({ prompt: SECRET });
    const [a, b] = await encodeWith(codecs, [input, input]);
    for (const p of [a!, b!]) {
      const raw = bytesOf(p);
      expect(raw.includes(SECRET)).toBe(false);
      expect(raw.toString('base64').includes(Buffer.from(SECRET).toString('base64'))).toBe(false);
      expect(raw.includes('json/plain')).toBe(false); // the inner encoding is hidden too
      expect(Object.keys(p.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    }
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  test('an altered byte anywhere (nonce, body, tag) or a truncated payload is refused', async () => {
    const [enc] = await encodeWith(codecs, [toPayload({ prompt: SECRET })]);
    const data = Buffer.from(enc!.data!);
    for (const at of [0, 12, Math.floor(data.length / 2), data.length - 1]) {
      const bad = Buffer.from(data);
      bad[at] = bad[at]! ^ 0x01;
      await expect(decodeWith(codecs, [{ ...enc!, data: bad }])).rejects.toThrow(
        /key id "k1"\) failed its integrity check: the authentication tag does not match/,
      );
    }
    await expect(decodeWith(codecs, [{ ...enc!, data: data.subarray(0, 20) }])).rejects.toThrow(
      /20 bytes is shorter than a nonce and a tag/,
    );
    const noId = { metadata: { encoding: enc!.metadata!.encoding! }, data };
    await expect(decodeWith(codecs, [noId])).rejects.toThrow(/encryption-key-id metadata is missing/);
  });

  test('a different key under the same id fails the integrity check; an unknown id is named', async () => {
    const [enc] = await encodeWith(codecs, [toPayload('x')]);
    const impostor = createPayloadCodecs(keyring('k1'));
    await expect(decodeWith(impostor, [enc!])).rejects.toMatchObject({
      name: 'PayloadIntegrityError',
      keyId: 'k1',
    });
    const stranger = createPayloadCodecs(keyring('k2'));
    await expect(decodeWith(stranger, [enc!])).rejects.toThrow(
      'payload was encrypted with key id "k1", which this process does not have (known: "k2")',
    );
  });

  test('the key id is authenticated: relabelling a payload fails even when both ids hold the same key', async () => {
    const alias = keyring('alias', keys.current.key, [keys]);
    const [enc] = await encodeWith(codecs, [toPayload('x')]);
    expect(fromPayload((await decodeWith(createPayloadCodecs(alias), [enc!]))[0]!)).toBe('x');
    const relabelled = { ...enc!, metadata: { ...enc!.metadata, [KEY_ID_METADATA]: Buffer.from('alias') } };
    await expect(decodeWith(createPayloadCodecs(alias), [relabelled])).rejects.toMatchObject({
      name: 'PayloadIntegrityError',
      keyId: 'alias',
    });
  });

  test('key rotation: the new key encrypts, the old one still decrypts old payloads', async () => {
    const [old] = await encodeWith(codecs, [toPayload({ round: 1, prompt: SECRET })]);
    const rotated = keyring('k2', randomBytes(32), [keys]);
    const rotatedCodecs = createPayloadCodecs(rotated);
    expect(fromPayload((await decodeWith(rotatedCodecs, [old!]))[0]!)).toEqual({ round: 1, prompt: SECRET });
    const [fresh] = await encodeWith(rotatedCodecs, [toPayload('after rotation')]);
    expect(Buffer.from(fresh!.metadata![KEY_ID_METADATA]!).toString()).toBe('k2');
    // A process that never had k1 cannot read the old payload, and says which key it lacks.
    await expect(decodeWith(createPayloadCodecs(keyring('k2', rotated.current.key)), [old!])).rejects.toThrow(
      /key id "k1"/,
    );
  });

  test('a payload that did not come through the encoder is refused, saying why and what to do', async () => {
    const strays: Payload[] = [
      toPayload({ injected: true }), // json/plain, as `temporal workflow start --input` sends
      toPayload(undefined), // binary/null
      toPayload(new Uint8Array([1, 2])), // binary/plain
      { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: gzipSync(payloadToBytes(toPayload(1))) },
      { data: Buffer.from('no metadata') },
    ];
    const [sealed] = await encodeWith(codecs, [toPayload('ok')]);
    for (const stray of strays) {
      // One stray among sealed payloads is enough to refuse the call.
      const error = await decodeWith(codecs, [sealed!, stray]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnencryptedPayloadError);
      expect((error as UnencryptedPayloadError).encoding).toBe(encodingOf(stray));
    }
    const message = String(await decodeWith(codecs, [strays[0]!]).catch((e: unknown) => e));
    expect(message).toContain(
      'refused a payload that arrived unencrypted (encoding "json/plain"): this process holds a codec key (RLAIF_CODEC_KEY), so it accepts only payloads encrypted with it',
    );
    expect(message).toContain('rlaif start');
    expect(message).toContain('--codec-endpoint');
  });

  test("the codec server's chain passes plaintext through, for display", async () => {
    const display = createPayloadCodecs(keys, { unencrypted: 'pass' });
    const plain = toPayload({ legacy: true });
    expect(fromPayload((await decodeWith(display, [plain]))[0]!)).toEqual({ legacy: true });
    const [sealed] = await encodeWith(codecs, [toPayload(SECRET)]);
    expect(fromPayload((await decodeWith(display, [sealed!]))[0]!)).toBe(SECRET);
  });
});

describe('compression', () => {
  const gzip = new CompressionCodec();

  test('a large repetitive payload shrinks to a fraction before encryption', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({
      id: `p${i}`,
      prompt: 'describe the ocean today please',
    }));
    const input = toPayload(rows);
    const [packed] = await gzip.encode([input]);
    expect(encodingOf(packed!)).toBe(GZIP_ENCODING);
    expect(packed!.data!.length).toBeLessThan(input.data!.length / 10);
    const [sealed] = await encodeWith(createPayloadCodecs(keyring('k')), [input]);
    expect(sealed!.data!.length).toBeLessThan(input.data!.length / 10);
    expect(fromPayload((await gzip.decode([packed!]))[0]!)).toEqual(rows);
  });

  test('payloads that would not shrink are left as they are', async () => {
    const small = toPayload(1);
    const noise = toPayload(randomBytes(4096));
    const [a, b] = await gzip.encode([small, noise]);
    expect(a).toBe(small);
    expect(b).toBe(noise);
  });

  const packed = (bytes: number): Payload => ({
    metadata: { encoding: Buffer.from(GZIP_ENCODING) },
    data: gzipSync(payloadToBytes({ metadata: {}, data: Buffer.alloc(bytes) })),
  });

  test('a gzip bomb past the budget is refused, not inflated', async () => {
    const bomb = {
      metadata: { encoding: Buffer.from(GZIP_ENCODING) },
      data: gzipSync(Buffer.alloc(MAX_DECOMPRESSED_BYTES + 1)),
    };
    await expect(gzip.decode([bomb])).rejects.toMatchObject({
      name: 'InflateBudgetError',
      limit: MAX_DECOMPRESSED_BYTES,
    });
  });

  test('the budget is for all payloads of one decode call together', async () => {
    const small = new CompressionCodec({ maxInflatedBytes: 1024 * 1024 });
    const part = packed(400 * 1024);
    expect(await small.decode([part, part])).toHaveLength(2);
    await expect(small.decode([part, part, part])).rejects.toThrow(
      /the compressed payloads inflate to more than 1048576 bytes together; refused/,
    );
    // Each call has its own budget: the next one starts afresh.
    expect(await small.decode([part, part])).toHaveLength(2);
  });

  test('corrupt gzip is a codec error naming the payload', async () => {
    const bad = { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: Buffer.from('not gzip') };
    await expect(gzip.decode([bad])).rejects.toThrow(/binary\/gzip payload could not be decompressed/);
    await expect(gzip.decode([bad])).rejects.toBeInstanceOf(CodecError);
  });
});

describe('failure converter', () => {
  test('failure messages are encoded, except a codec error (readable by a client with another key)', () => {
    const sealed = failureConverter.errorToFailure(new Error(`bad line: ${SECRET}`), defaultPayloadConverter);
    expect(sealed.message).toBe('Encoded failure');
    expect(JSON.stringify(sealed)).not.toContain(SECRET);
    expect(failureConverter.failureToError(sealed, defaultPayloadConverter).message).toBe(
      `bad line: ${SECRET}`,
    );

    const keyError = new UnknownKeyIdError('k1', ['k2']);
    const clear = failureConverter.errorToFailure(keyError, defaultPayloadConverter);
    expect(clear.message).toBe(keyError.message);
    expect(clear.encodedAttributes).toBeFalsy();
    // The SDK wraps an activity's undecodable input in an ApplicationFailure typed by the error's name.
    const wrapped = failureConverter.errorToFailure(
      Object.assign(new Error(`Failed to parse activity args: ${keyError.message}`), { type: keyError.name }),
      defaultPayloadConverter,
    );
    expect(wrapped.message).toContain('which this process does not have');
  });
});

describe('keys from the environment', () => {
  const hex = randomBytes(32).toString('hex');

  test('no key: no codec; a key as hex or base64 gives the same keyring and a stable default id', () => {
    expect(codecDataConverterFromEnv({})).toBeUndefined();
    const fromHex = codecDataConverterFromEnv({ RLAIF_CODEC_KEY: hex })!;
    const fromB64 = codecDataConverterFromEnv({
      RLAIF_CODEC_KEY: Buffer.from(hex, 'hex').toString('base64'),
    })!;
    const id = defaultKeyId(Buffer.from(hex, 'hex'));
    for (const dc of [fromHex, fromB64]) {
      const enc = dc.payloadCodecs![1] as EncryptionCodec;
      expect(enc.currentKeyId).toBe(id);
    }
    expect(id).toMatch(/^k[0-9a-f]{8}$/);
    expect(fs.existsSync(`${fromHex.failureConverterPath}.js`)).toBe(true);
  });

  test('a key of the wrong length or form names the variable', () => {
    expect(() => codecDataConverterFromEnv({ RLAIF_CODEC_KEY: randomBytes(16).toString('base64') })).toThrow(
      'RLAIF_CODEC_KEY: the key is 16 bytes; AES-256 needs 32',
    );
    expect(() => codecDataConverterFromEnv({ RLAIF_CODEC_KEY: 'not a key!' })).toThrow(
      'RLAIF_CODEC_KEY: not hex or base64',
    );
    expect(() => codecDataConverterFromEnv({ RLAIF_CODEC_KEY: hex, RLAIF_CODEC_KEY_ID: 'a b' })).toThrow(
      /^RLAIF_CODEC_KEY_ID: key id "a b" must be/,
    );
    expect(() =>
      codecDataConverterFromEnv({ RLAIF_CODEC_KEY: hex, RLAIF_CODEC_OLD_KEYS: `old1=${hex},old2=abcd` }),
    ).toThrow(/^RLAIF_CODEC_OLD_KEYS \(entry 2\): the key is 3 bytes/);
    expect(() => codecDataConverterFromEnv({ RLAIF_CODEC_OLD_KEYS: `old=${hex}` })).toThrow(
      'RLAIF_CODEC_OLD_KEYS: is set but RLAIF_CODEC_KEY is not',
    );
  });

  test('old keys from the environment decrypt what the previous key encrypted', async () => {
    const oldHex = randomBytes(32).toString('hex');
    const before = codecDataConverterFromEnv({ RLAIF_CODEC_KEY: oldHex, RLAIF_CODEC_KEY_ID: '2026-01' })!;
    const after = codecDataConverterFromEnv({
      RLAIF_CODEC_KEY: hex,
      RLAIF_CODEC_KEY_ID: '2026-02',
      RLAIF_CODEC_OLD_KEYS: ` 2026-01=${oldHex} `,
    })!;
    const encoded = await encodeWith(before.payloadCodecs!, [toPayload({ prompt: SECRET })]);
    expect(fromPayload((await decodeWith(after.payloadCodecs!, encoded))[0]!)).toEqual({ prompt: SECRET });
  });
});
