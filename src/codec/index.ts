/** Payload compression and encryption for Temporal, keyed from the environment. */
export {
  CompressionCodec,
  GZIP_ENCODING,
  MAX_DECOMPRESSED_BYTES,
  type CompressionCodecOptions,
} from './compression-codec';
export {
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  type EncryptionCodecOptions,
} from './encryption-codec';
export {
  CodecError,
  CodecKeyError,
  InflateBudgetError,
  PayloadIntegrityError,
  UnencryptedPayloadError,
  UnknownKeyIdError,
} from './errors';
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
export {
  checkAuthToken,
  checkOrigins,
  startCodecServer,
  type CodecServer,
  type CodecServerOptions,
} from './codec-server';
export {
  codecDataConverterFromEnv,
  createCodecDataConverter,
  createPayloadCodecs,
  FAILURE_CONVERTER_PATH,
  type PayloadCodecsOptions,
} from './data-converter';
