/** Payload compression and encryption for Temporal, keyed from the environment. */
export { CompressionCodec, GZIP_ENCODING } from './compression-codec';
export { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './encryption-codec';
export { CodecError, CodecKeyError, PayloadIntegrityError, UnknownKeyIdError } from './errors';
export {
  createKeyring,
  defaultKeyId,
  loadKeyring,
  parseKey,
  KEY_ID_VAR,
  KEY_VAR,
  OLD_KEYS_VAR,
  type CodecKey,
  type CodecKeyring,
} from './keys';
export { decodeWith, encodeWith } from './chain';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './codec-server';
export {
  codecDataConverterFromEnv,
  createCodecDataConverter,
  createPayloadCodecs,
  FAILURE_CONVERTER_PATH,
} from './data-converter';
