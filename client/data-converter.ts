/**
 * The one data converter of the engine: the worker, the client library, the API,
 * the CLI and the tests all build theirs here, so they seal and open payloads
 * alike (client/codec.ts).
 */
import type { DataConverter } from '@temporalio/common';
import { ConfigError, type EngineEnv } from '../worker/config';
import { EncryptionCodec, KeyringError, parseKeyring, type Keyring } from './codec';

/**
 * Development keyring: used only when the engine runs on the embedded dev server
 * (`npm start` without TEMPORAL_ADDRESS), so local histories stay readable across
 * restarts. Any other Temporal needs PAYLOAD_CODEC_KEYS.
 */
export const DEV_PAYLOAD_CODEC_KEYS = 'dev-1:ZGV2LW9ubHktcGF5bG9hZC1rZXktY2hhbmdlLW1lISE=';

/** Path of the module the workflow sandbox loads the failure converter from. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The keyring of this environment; errors name the variable. */
export function payloadKeyring(
  env: Pick<EngineEnv, 'PAYLOAD_CODEC_KEYS' | 'PAYLOAD_CODEC_ACTIVE_KEY' | 'TEMPORAL_ADDRESS'>,
): Keyring {
  const spec =
    env.PAYLOAD_CODEC_KEYS ?? (env.TEMPORAL_ADDRESS ? undefined : DEV_PAYLOAD_CODEC_KEYS);
  if (!spec) {
    throw new ConfigError(
      'PAYLOAD_CODEC_KEYS: required when TEMPORAL_ADDRESS is set (id:base64key, 32-byte keys; the development key serves only the embedded dev server)',
    );
  }
  try {
    return parseKeyring(spec, env.PAYLOAD_CODEC_ACTIVE_KEY);
  } catch (err) {
    if (!(err instanceof KeyringError)) throw err;
    const variable = /active key/.test(err.message)
      ? 'PAYLOAD_CODEC_ACTIVE_KEY'
      : 'PAYLOAD_CODEC_KEYS';
    throw new ConfigError(`${variable}: ${err.message}`);
  }
}

/** Encrypts payloads and failure attributes with the keyring. */
export function engineDataConverter(keyring: Keyring): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keyring)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
