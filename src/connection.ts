/**
 * Connection settings the Temporal way: an envconfig profile (TEMPORAL_CONFIG_FILE,
 * TEMPORAL_PROFILE) overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY.
 * Nothing is hard-coded: with nothing set, envconfig's own default (localhost:7233) applies.
 */
import { Client, Connection, type ClientPlugin } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { RlaifClientPlugin } from './client-plugin';

export interface ConnectionSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: unknown;
}

/** Resolves the connection settings from the profile and the environment. */
export function resolveConnection(
  overrides: { address?: string; namespace?: string; profile?: string } = {},
): ConnectionSettings {
  const loaded = loadClientConnectConfig(overrides.profile ? { profile: overrides.profile } : {});
  const opts = loaded.connectionOptions;
  return {
    address: overrides.address ?? opts.address ?? 'localhost:7233',
    namespace: overrides.namespace ?? loaded.namespace ?? 'default',
    ...(opts.apiKey && typeof opts.apiKey === 'string' ? { apiKey: opts.apiKey } : {}),
    ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
  };
}

/**
 * A client connected per the settings, with the plugin applied (its data converter): by default
 * the client-only plugin, so the CLI reads and writes what the workers encrypt and offload.
 */
export async function connectClient(
  settings: ConnectionSettings,
  plugin: ClientPlugin = new RlaifClientPlugin(),
): Promise<Client> {
  // The plugin is made (and reads the codec key) first: a malformed key fails before any network wait.
  const connection = await Connection.connect({
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.tls !== undefined ? { tls: settings.tls as never } : {}),
  });
  return new Client({ connection, namespace: settings.namespace, plugins: [plugin] });
}

/** A worker connection per the settings. */
export function connectWorker(settings: ConnectionSettings): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.tls !== undefined ? { tls: settings.tls as never } : {}),
  });
}
