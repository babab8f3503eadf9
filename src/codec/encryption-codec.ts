/**
 * AES-256-GCM encryption of whole payloads. Each payload gets a fresh random 12-byte nonce (GCM
 * breaks if a nonce repeats under one key); the 16-byte tag authenticates the ciphertext and the
 * key id, so an altered payload or a swapped key id fails instead of decrypting to garbage.
 * Wire form: metadata `{encoding: binary/encrypted, encryption-key-id: <id>}`, data
 * `nonce || ciphertext || tag`. The current key encrypts; any key of the keyring decrypts.
 * Decoding refuses payloads that are not ours unless told to pass them through.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { PayloadIntegrityError, UnencryptedPayloadError, UnknownKeyIdError } from './errors';
import type { CodecKeyring } from './keys';
import { encodingOf, metadataValue, payloadFromBytes, payloadToBytes } from './payload-bytes';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The additional authenticated data: binds the ciphertext to its key id and format version. */
function aad(keyId: string): Buffer {
  return Buffer.from(`rlaif-codec/v1/${keyId}`, 'utf8');
}

/** Options of `EncryptionCodec`. */
export interface EncryptionCodecOptions {
  /**
   * What decoding does with a payload that is not `binary/encrypted`: `refuse` it (workers and
   * clients: input nobody encrypted must not reach a run) or `pass` it through unchanged (the
   * codec server, which only shows payloads to people). Default `refuse`.
   */
  readonly unencrypted?: 'refuse' | 'pass';
}

/** Encrypts every payload with the keyring's current key; decrypts `binary/encrypted` ones. */
export class EncryptionCodec implements PayloadCodec {
  private readonly passUnencrypted: boolean;

  constructor(
    private readonly keys: CodecKeyring,
    options: EncryptionCodecOptions = {},
  ) {
    this.passUnencrypted = options.unencrypted === 'pass';
  }

  /** The id of the key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keys.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = encodingOf(payload);
      if (encoding === ENCRYPTED_ENCODING) return this.decrypt(payload);
      if (this.passUnencrypted) return payload;
      throw new UnencryptedPayloadError(encoding);
    });
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.keys.current;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(id));
    const body = Buffer.concat([cipher.update(payloadToBytes(payload)), cipher.final()]);
    return {
      metadata: { encoding: metadataValue(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: metadataValue(id) },
      data: Buffer.concat([nonce, body, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new PayloadIntegrityError('(none)', `the ${KEY_ID_METADATA} metadata is missing`);
    const keyId = Buffer.from(idBytes).toString('utf8');
    const key = this.keys.byId.get(keyId);
    if (!key) throw new UnknownKeyIdError(keyId, [...this.keys.byId.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new PayloadIntegrityError(keyId, `${data.length} bytes is shorter than a nonce and a tag`);
    }
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aad(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadIntegrityError(
        keyId,
        `the authentication tag does not match: the payload was altered, or the key named "${keyId}" here is not the one that encrypted it`,
      );
    }
    return payloadFromBytes(plain);
  }
}
